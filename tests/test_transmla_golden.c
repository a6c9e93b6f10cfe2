/* An MLA file made by `mlavk transmla --exact` from the committed GQA model gives the GQA model's own logits: those
 * PyTorch computed from the GQA file in float64 (tools/train_tiny/golden_gqa.py, tests/golden/gqa_logits.*), at every
 * position of each golden prompt, within 1e-4 max-abs with an F32 cache, and the same greedy continuation decoded
 * one token at a time (absorbed MLA decode over the latent cache). Greedy tokens are compared only for prompts whose
 * top-1/top-2 logit gaps all exceed 1e-3, ten times the logit bound, so rounding cannot flip them.
 * usage: test_transmla_golden CONVERTED.gguf GQA_LOGITS.json GQA_LOGITS.bin */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlavk.h"
#include "test_util.h"

#define LOGIT_BOUND 1e-4
#define GREEDY_MARGIN 1e-3

typedef struct golden_prompt {
    const char *text;
    int32_t *ids, *greedy;
    int n, n_greedy;
    const float *logits;
    double greedy_margin;
} golden_prompt;

static int32_t *int_array(const cJSON *a, int *n)
{
    *n = cJSON_GetArraySize(a);
    if (*n <= 0)
        return NULL;
    int32_t *out = malloc((size_t)*n * sizeof *out);
    for (int i = 0; i < *n; i++)
        out[i] = (int32_t)cJSON_GetNumberValue(cJSON_GetArrayItem(a, i));
    return out;
}

static int read_prompt(const cJSON *p, const char *blob, size_t blob_size, golden_prompt *out)
{
    out->text = cJSON_GetStringValue(cJSON_GetObjectItem(p, "text"));
    out->ids = int_array(cJSON_GetObjectItem(p, "ids"), &out->n);
    out->greedy = int_array(cJSON_GetObjectItem(p, "greedy"), &out->n_greedy);
    out->greedy_margin = cJSON_GetNumberValue(cJSON_GetObjectItem(p, "greedy_min_margin"));
    double offset = cJSON_GetNumberValue(cJSON_GetObjectItem(p, "offset"));
    double bytes = cJSON_GetNumberValue(cJSON_GetObjectItem(p, "bytes"));
    if (!out->text || !out->ids || !out->greedy || offset + bytes > (double)blob_size)
        return 0;
    out->logits = (const float *)(blob + (size_t)offset);
    return 1;
}

/* Returns whether the greedy tokens were compared. */
static int check_prompt(const char *model, const golden_prompt *g)
{
    mlavk_engine_params params = {.model_path = model, .kv_f32 = 1, .batch = 64};
    mlavk_engine *e;
    CHECK_MSG(mlavk_engine_create(&params, &e) == MLAVK_OK, "%s", mlavk_last_error());
    if (test_failures)
        return 0;
    mlavk_engine_info info;
    mlavk_engine_get_info(e, &info);
    int32_t *ids;
    size_t n;
    CHECK(mlavk_tokenize(mlavk_engine_tokenizer(e), g->text, strlen(g->text), 1, &ids, &n) == MLAVK_OK);
    CHECK_MSG(n == (size_t)g->n && memcmp(ids, g->ids, n * sizeof *ids) == 0, "tokenizer ids differ for \"%.20s...\"",
              g->text);
    free(ids);
    size_t count = (size_t)g->n * info.n_vocab;
    float *got = malloc(count * sizeof *got);
    double *want = malloc(count * sizeof *want);
    test_poison_f32(got, count);
    CHECK(mlavk_engine_eval(e, g->ids, (uint32_t)g->n, 1, 0, got) == MLAVK_OK);
    for (size_t i = 0; i < count; i++)
        want[i] = g->logits[i];
    char label[96];
    snprintf(label, sizeof label, "%d tokens: \"%.16s...\"", g->n, g->text);
    test_compare(label, got, want, count, LOGIT_BOUND, 0.0);

    int compared = g->greedy_margin > GREEDY_MARGIN;
    if (compared) {
        int32_t next = (int32_t)test_argmax(got + (size_t)(g->n - 1) * info.n_vocab, info.n_vocab);
        for (int i = 0; i < g->n_greedy && !test_failures; i++) {
            CHECK_MSG(next == g->greedy[i], "greedy token %d after \"%.16s...\": %d, PyTorch %d", i, g->text, next,
                      g->greedy[i]);
            test_poison_f32(got, info.n_vocab);
            CHECK(mlavk_engine_eval(e, &next, 1, 0, 0, got) == MLAVK_OK);
            next = (int32_t)test_argmax(got, info.n_vocab);
        }
    }
    free(got);
    free(want);
    mlavk_engine_free(e);
    return compared;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return fprintf(stderr, "usage: %s CONVERTED.gguf GOLDEN.json GOLDEN.bin\n", argv[0]), 2;
    size_t json_size, blob_size;
    char *json = test_read_file(argv[2], &json_size), *blob = test_read_file(argv[3], &blob_size);
    cJSON *root = json ? cJSON_Parse(json) : NULL;
    CHECK_MSG(root && blob, "cannot read the golden files");
    const cJSON *prompts = cJSON_GetObjectItem(root, "prompts");
    int count = cJSON_GetArraySize(prompts), greedy_compared = 0;
    CHECK(count >= 2);
    for (int i = 0; i < count && !test_failures; i++) {
        golden_prompt g = {0};
        CHECK_MSG(read_prompt(cJSON_GetArrayItem(prompts, i), blob, blob_size, &g), "golden prompt %d is malformed", i);
        if (!test_failures)
            greedy_compared += check_prompt(argv[1], &g);
        free(g.ids);
        free(g.greedy);
    }
    CHECK_MSG(greedy_compared > 0, "no golden prompt clear enough to compare greedy tokens");
    cJSON_Delete(root);
    free(json);
    free(blob);
    return test_finish("transmla_golden");
}
