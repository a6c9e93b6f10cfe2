/* A file shape of the MLA family (NextN/MTP blocks, tied embeddings, every block dense, attention temperature,
 * omitted keys llama.cpp infers) gives, with an F32 latent cache, the logits llama.cpp gives on the same file
 * (tests/golden/shapes/README.md: the generator command of each model and how the goldens were made).
 *
 * The golden rows are the prompt in one batch, then single-token decode steps feeding llama.cpp's greedy tokens
 * (teacher forcing). Both sides read the same F32 weights, so only float rounding separates them. Bound: 1e-4
 * max-abs over the stored columns (all of them, or the first stored_vocab of a large vocabulary); the argmax over
 * the whole row equals llama.cpp's at every row whose top-1/top-2 gap is above 1e-3.
 *
 * usage: test_family_shapes MANIFEST.json MODEL NAME [auto|absorbed|expanded]
 *   MODEL: the generated GGUF file (its sha256 must be the golden's) or an HF directory of the same weights */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mlavk.h"
#include "llama_golden.h"
#include "test_util.h"

static double number(const cJSON *object, const char *key)
{
    return cJSON_GetNumberValue(cJSON_GetObjectItem(object, key));
}

static bool is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void compare(const char *label, const float *got, const float *golden, const cJSON *entry, int first,
                    int count, uint32_t n_vocab, uint32_t stored, int *clear)
{
    const cJSON *gaps = cJSON_GetObjectItem(entry, "top_gap"), *argmaxes = cJSON_GetObjectItem(entry, "argmax");
    double *want = malloc((size_t)count * stored * sizeof *want);
    float *have = malloc((size_t)count * stored * sizeof *have);
    for (int r = 0; r < count; r++)
        for (uint32_t v = 0; v < stored; v++) {
            want[(size_t)r * stored + v] = golden[(size_t)(first + r) * stored + v];
            have[(size_t)r * stored + v] = got[(size_t)r * n_vocab + v];
        }
    test_compare(label, have, want, (size_t)count * stored, 1e-4, 0);
    for (int r = 0; r < count; r++) {
        if (cJSON_GetNumberValue(cJSON_GetArrayItem(gaps, first + r)) <= 1e-3)
            continue;
        uint32_t a = test_argmax(got + (size_t)r * n_vocab, n_vocab);
        uint32_t b = (uint32_t)cJSON_GetNumberValue(cJSON_GetArrayItem(argmaxes, first + r));
        CHECK_MSG(a == b, "%s: row %d: greedy token %u, llama.cpp's %u", label, first + r, a, b);
        (*clear)++;
    }
    free(want);
    free(have);
}

static void run(const cJSON *root, const cJSON *entry, const char *path, const float *golden,
                mlavk_prefill_attention prefill)
{
    const cJSON *tokens = cJSON_GetObjectItem(root, "tokens"), *greedy = cJSON_GetObjectItem(entry, "greedy");
    const int n_prompt = (int)number(root, "n_prompt"), n_decode = (int)number(root, "n_decode");
    const uint32_t n_vocab = (uint32_t)number(entry, "n_vocab"), stored = (uint32_t)number(entry, "stored_vocab");
    mlavk_engine_params params = {.model_path = path, .kv_f32 = 1, .batch = 64, .prefill_attention = prefill};
    mlavk_engine *e;
    if (mlavk_engine_create(&params, &e) != MLAVK_OK) {
        test_fail(__FILE__, __LINE__, "mlavk cannot run %s: %s", path, mlavk_last_error());
        return;
    }
    mlavk_engine_info info;
    mlavk_engine_get_info(e, &info);
    CHECK_MSG(info.n_vocab == n_vocab, "%s: vocabulary of %u, the goldens have %u", path, info.n_vocab, n_vocab);
    int32_t *ids = malloc((size_t)(n_prompt + n_decode) * sizeof *ids);
    for (int i = 0; i < n_prompt; i++)
        ids[i] = (int32_t)cJSON_GetNumberValue(cJSON_GetArrayItem(tokens, i));
    for (int i = 0; i < n_decode; i++)
        ids[n_prompt + i] = (int32_t)cJSON_GetNumberValue(cJSON_GetArrayItem(greedy, i));
    float *got = malloc((size_t)(n_prompt + n_decode) * n_vocab * sizeof *got);
    test_poison_f32(got, (size_t)(n_prompt + n_decode) * n_vocab);
    mlavk_status status = test_failures ? MLAVK_ERR_INVALID_ARGUMENT : mlavk_engine_eval(e, ids, n_prompt, 1, 0, got);
    CHECK_MSG(status == MLAVK_OK, "prompt: %s", mlavk_last_error());
    for (int s = 0; s < n_decode && status == MLAVK_OK; s++) {
        status = mlavk_engine_eval(e, ids + n_prompt + s, 1, 1, 0, got + (size_t)(n_prompt + s) * n_vocab);
        CHECK_MSG(status == MLAVK_OK, "decode step %d: %s", s, mlavk_last_error());
    }
    int clear = 0;
    if (status == MLAVK_OK) {
        char label[1200];
        snprintf(label, sizeof label, "%s: prompt of %d tokens in one batch", path, n_prompt);
        compare(label, got, golden, entry, 0, n_prompt, n_vocab, stored, &clear);
        snprintf(label, sizeof label, "%s: %d decode steps", path, n_decode);
        compare(label, got + (size_t)n_prompt * n_vocab, golden, entry, n_prompt, n_decode, n_vocab, stored, &clear);
        CHECK_MSG(clear > 0, "%s: no row with a clear greedy token", path);
        printf("%s: %u of %u logits per row compared, greedy token checked at %d of %d rows\n", path, stored,
               n_vocab, clear, n_prompt + n_decode);
    }
    free(got);
    free(ids);
    mlavk_engine_free(e);
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5)
        return fprintf(stderr, "usage: %s MANIFEST.json MODEL NAME [auto|absorbed|expanded]\n", argv[0]), 2;
    const char *form = argc == 5 ? argv[4] : "auto";
    mlavk_prefill_attention prefill = !strcmp(form, "expanded")   ? MLAVK_PREFILL_EXPANDED
                                      : !strcmp(form, "absorbed") ? MLAVK_PREFILL_ABSORBED
                                                                  : MLAVK_PREFILL_AUTO;
    size_t json_size, blob_size = 0;
    char *json = test_read_file(argv[1], &json_size);
    cJSON *root = json ? cJSON_ParseWithLength(json, json_size) : NULL;
    const cJSON *entry = root ? llama_golden_entry(cJSON_GetObjectItem(root, "models"), argv[3]) : NULL;
    CHECK_MSG(entry, "%s: no golden entry named %s", argv[1], argv[3]);

    char *blob = entry ? llama_golden_logits(argv[1], root, &blob_size) : NULL;
    if (!test_failures) {
        double offset = number(entry, "offset"), rows = number(entry, "rows"), stored = number(entry, "stored_vocab");
        int n_rows = (int)(number(root, "n_prompt") + number(root, "n_decode"));
        CHECK_MSG(offset >= 0 && rows == n_rows && stored > 0 && stored <= number(entry, "n_vocab") &&
                      offset + rows * stored * 4 <= (double)blob_size && (size_t)offset % 4 == 0 &&
                      cJSON_GetArraySize(cJSON_GetObjectItem(entry, "top_gap")) == n_rows &&
                      cJSON_GetArraySize(cJSON_GetObjectItem(entry, "argmax")) == n_rows &&
                      cJSON_GetArraySize(cJSON_GetObjectItem(entry, "greedy")) == n_rows - number(root, "n_prompt") + 1,
                  "%s: the entry %s is malformed or its logits lie outside the logits file", argv[1], argv[3]);
    }
    if (!test_failures && !is_directory(argv[2]))
        /* The generator is deterministic: a change to it shows here first. */
        llama_golden_check_sha256(entry, argv[2], ": the generator's output changed, make the goldens again "
                                  "(tests/golden/shapes/README.md)");
    if (!test_failures)
        run(root, entry, argv[2], (const float *)(blob + (size_t)number(entry, "offset")), prefill);
    cJSON_Delete(root);
    free(json);
    free(blob);
    return test_finish(argv[3]);
}
