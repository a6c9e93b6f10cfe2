/* The built-in model's logits equal PyTorch's (float64, from the same F16 weights, exported by
 * tools/train_tiny/golden.py) for every position of the golden prompts; its tokenizer gives the same ids.
 * With an F32 cache only float rounding separates them: bound 1e-4 + 1e-4 |want|. With the default F16 cache the
 * cached latent is rounded to 11 bits, so only prompts whose routing decisions are clear by more than 1e-3 are
 * compared, with bound 2e-2 + 2e-2 |want|.
 * usage: test_default_model_golden MODEL GOLDEN.json GOLDEN.bin */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlavk.h"
#include "test_util.h"

typedef struct golden_prompt {
    const char *text;
    int32_t *ids;
    int n;
    const float *logits;
    double margin;
} golden_prompt;

static int read_prompt(const cJSON *p, const char *blob, size_t blob_size, golden_prompt *out)
{
    const cJSON *ids = cJSON_GetObjectItem(p, "ids"), *margins = cJSON_GetObjectItem(p, "routing_min_margin");
    out->text = cJSON_GetStringValue(cJSON_GetObjectItem(p, "text"));
    out->n = cJSON_GetArraySize(ids);
    double offset = cJSON_GetNumberValue(cJSON_GetObjectItem(p, "offset"));
    double bytes = cJSON_GetNumberValue(cJSON_GetObjectItem(p, "bytes"));
    out->margin = fmin(cJSON_GetNumberValue(cJSON_GetObjectItem(margins, "group_score_gap")),
                       cJSON_GetNumberValue(cJSON_GetObjectItem(margins, "expert_score_gap")));
    if (!out->text || out->n <= 0 || offset + bytes > (double)blob_size)
        return 0;
    out->ids = malloc(out->n * sizeof *out->ids);
    for (int i = 0; i < out->n; i++)
        out->ids[i] = (int32_t)cJSON_GetNumberValue(cJSON_GetArrayItem(ids, i));
    out->logits = (const float *)(blob + (size_t)offset);
    return 1;
}

static void check_prompt(const char *model, const golden_prompt *g, int kv_f32, double tol)
{
    mlavk_engine_params params = {.model_path = model, .kv_f32 = kv_f32, .batch = 64};
    mlavk_engine *e;
    CHECK_MSG(mlavk_engine_create(&params, &e) == MLAVK_OK, "%s", mlavk_last_error());
    if (test_failures)
        return;
    mlavk_engine_info info;
    mlavk_engine_get_info(e, &info);
    int32_t *ids;
    size_t n;
    CHECK(mlavk_tokenize(mlavk_engine_tokenizer(e), g->text, strlen(g->text), 1, &ids, &n) == MLAVK_OK);
    CHECK_MSG(n == (size_t)g->n && memcmp(ids, g->ids, n * sizeof *ids) == 0, "tokenizer ids differ for \"%.20s...\"",
              g->text);
    free(ids);
    float *got = malloc((size_t)g->n * info.n_vocab * sizeof *got);
    double *want = malloc((size_t)g->n * info.n_vocab * sizeof *want);
    test_poison_f32(got, (size_t)g->n * info.n_vocab);
    CHECK(mlavk_engine_eval(e, g->ids, (uint32_t)g->n, 1, 0, got) == MLAVK_OK);
    for (size_t i = 0; i < (size_t)g->n * info.n_vocab; i++)
        want[i] = g->logits[i];
    char label[96];
    snprintf(label, sizeof label, "%s cache, %d tokens: \"%.16s...\"", kv_f32 ? "f32" : "f16", g->n, g->text);
    test_compare(label, got, want, (size_t)g->n * info.n_vocab, tol, tol);
    free(got);
    free(want);
    mlavk_engine_free(e);
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return fprintf(stderr, "usage: %s MODEL GOLDEN.json GOLDEN.bin\n", argv[0]), 2;
    size_t json_size, blob_size;
    char *json = test_read_file(argv[2], &json_size), *blob = test_read_file(argv[3], &blob_size);
    cJSON *root = json ? cJSON_Parse(json) : NULL;
    CHECK_MSG(root && blob, "cannot read the golden files");
    const cJSON *prompts = cJSON_GetObjectItem(root, "prompts");
    int count = cJSON_GetArraySize(prompts), compared_f16 = 0;
    CHECK(count >= 3);
    for (int i = 0; i < count && !test_failures; i++) {
        golden_prompt g = {0};
        CHECK_MSG(read_prompt(cJSON_GetArrayItem(prompts, i), blob, blob_size, &g), "golden prompt %d is malformed", i);
        if (test_failures)
            break;
        check_prompt(argv[1], &g, 1, 1e-4);
        if (g.margin > 1e-3) {
            check_prompt(argv[1], &g, 0, 2e-2);
            compared_f16++;
        }
        free(g.ids);
    }
    CHECK_MSG(compared_f16 > 0, "no golden prompt clear enough to compare with the F16 cache");
    cJSON_Delete(root);
    free(json);
    free(blob);
    return test_finish("default_model_golden");
}
