/* A file written by llama-quantize with one of its presets gives, with an F32 latent cache, the logits llama.cpp
 * gives on the same file dequantized to F32 (tests/golden/presets: how the goldens were made, and which tensor
 * types each preset writes).
 *
 * The golden rows are the prompt in one batch, then single-token decode steps that feed llama.cpp's greedy tokens
 * (teacher forcing: mlavk reads the same ids even where its own argmax would differ). Both sides hold the same
 * weight values (llama.cpp's dequantization of the file), so only float rounding separates them: on the
 * dequantized F32 files mlavk differs from the goldens by at most 6.1e-6. Bound: 1e-4 max-abs, no relative part
 * (the logits are O(1)). Greedy: the argmax equals the golden argmax at every row whose golden top-1/top-2 gap
 * is above 1e-3 (a gap under that may flip with rounding alone).
 *
 * usage: test_llama_quantize_presets MANIFEST.json GGUF_DIR NAME     (NAME as in the manifest: v3-q4_k_m) */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlavk.h"
#include "llama_golden.h"
#include "test_util.h"

/* Compares rows [first, first + count) of the golden with got; returns how many rows had a clear argmax. */
static int compare_rows(const char *label, const float *got, const float *golden, const cJSON *gaps, int first,
                        int count, uint32_t n_vocab)
{
    size_t n = (size_t)count * n_vocab;
    double *want = malloc(n * sizeof *want);
    for (size_t i = 0; i < n; i++)
        want[i] = golden[(size_t)first * n_vocab + i];
    test_compare(label, got, want, n, 1e-4, 0);
    free(want);
    int clear = 0;
    for (int r = 0; r < count; r++) {
        if (cJSON_GetNumberValue(cJSON_GetArrayItem(gaps, first + r)) <= 1e-3)
            continue;
        clear++;
        uint32_t a = test_argmax(got + (size_t)r * n_vocab, n_vocab);
        uint32_t b = test_argmax(golden + (size_t)(first + r) * n_vocab, n_vocab);
        CHECK_MSG(a == b, "%s: row %d: greedy token %u, llama.cpp's %u", label, first + r, a, b);
    }
    return clear;
}

static void check_file(const cJSON *root, const cJSON *entry, const char *path, const float *golden,
                       size_t golden_rows)
{
    const cJSON *tokens = cJSON_GetObjectItem(root, "tokens"), *greedy = cJSON_GetObjectItem(entry, "greedy");
    const cJSON *gaps = cJSON_GetObjectItem(entry, "top_gap");
    int n_prompt = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(root, "n_prompt"));
    int n_decode = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(root, "n_decode"));
    uint32_t n_vocab = (uint32_t)cJSON_GetNumberValue(cJSON_GetObjectItem(root, "n_vocab"));
    CHECK_MSG(n_prompt > 0 && n_decode >= 0 && cJSON_GetArraySize(tokens) == n_prompt &&
                  cJSON_GetArraySize(greedy) == n_decode + 1 && cJSON_GetArraySize(gaps) == n_prompt + n_decode &&
                  golden_rows == (size_t)(n_prompt + n_decode),
              "%s: the manifest entry is malformed", path);
    if (test_failures)
        return;

    llama_golden_check_sha256(entry, path, "");
    if (test_failures)
        return;

    mlavk_engine_params params = {.model_path = path, .kv_f32 = 1, .batch = 64};
    mlavk_engine *e;
    if (mlavk_engine_create(&params, &e) != MLAVK_OK) {
        test_fail(__FILE__, __LINE__, "mlavk cannot run the %s file: %s",
                  cJSON_GetStringValue(cJSON_GetObjectItem(entry, "preset")), mlavk_last_error());
        return;
    }
    mlavk_engine_info info;
    mlavk_engine_get_info(e, &info);
    CHECK_MSG(info.n_vocab == n_vocab, "%s: vocabulary of %u, the goldens have %u", path, info.n_vocab, n_vocab);
    if (test_failures) {
        mlavk_engine_free(e);
        return;
    }

    int32_t *ids = malloc((size_t)(n_prompt + n_decode) * sizeof *ids);
    for (int i = 0; i < n_prompt; i++)
        ids[i] = (int32_t)cJSON_GetNumberValue(cJSON_GetArrayItem(tokens, i));
    for (int i = 0; i < n_decode; i++)
        ids[n_prompt + i] = (int32_t)cJSON_GetNumberValue(cJSON_GetArrayItem(greedy, i));
    float *got = malloc((size_t)(n_prompt + n_decode) * n_vocab * sizeof *got);
    test_poison_f32(got, (size_t)(n_prompt + n_decode) * n_vocab);

    mlavk_status status = mlavk_engine_eval(e, ids, (uint32_t)n_prompt, 1, 0, got);
    CHECK_MSG(status == MLAVK_OK, "prompt: %s", mlavk_last_error());
    int clear = 0;
    char label[1200];
    if (status == MLAVK_OK) {
        snprintf(label, sizeof label, "%s: prompt of %d tokens in one batch", path, n_prompt);
        clear += compare_rows(label, got, golden, gaps, 0, n_prompt, n_vocab);
    }
    for (int s = 0; s < n_decode && status == MLAVK_OK; s++) {
        status = mlavk_engine_eval(e, ids + n_prompt + s, 1, 1, 0, got + (size_t)(n_prompt + s) * n_vocab);
        CHECK_MSG(status == MLAVK_OK, "decode step %d: %s", s, mlavk_last_error());
    }
    if (status == MLAVK_OK && n_decode > 0) {
        snprintf(label, sizeof label, "%s: %d decode steps", path, n_decode);
        clear += compare_rows(label, got + (size_t)n_prompt * n_vocab, golden, gaps, n_prompt, n_decode, n_vocab);
    }
    CHECK_MSG(clear > 0, "%s: no row with a clear greedy token", path);
    printf("%s: greedy token checked at %d of %d rows (gap > 1e-3)\n", path, clear, n_prompt + n_decode);
    free(got);
    free(ids);
    mlavk_engine_free(e);
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return fprintf(stderr, "usage: %s MANIFEST.json GGUF_DIR NAME\n", argv[0]), 2;
    size_t json_size, blob_size;
    char *json = test_read_file(argv[1], &json_size);
    cJSON *root = json ? cJSON_Parse(json) : NULL;
    const cJSON *entry = root ? llama_golden_entry(cJSON_GetObjectItem(root, "files"), argv[3]) : NULL;
    CHECK_MSG(entry, "%s: no golden entry named %s", argv[1], argv[3]);

    char path[1100];
    char *blob = entry ? llama_golden_logits(argv[1], root, &blob_size) : NULL;

    if (!test_failures) {
        double offset = cJSON_GetNumberValue(cJSON_GetObjectItem(entry, "offset"));
        double rows = cJSON_GetNumberValue(cJSON_GetObjectItem(entry, "rows"));
        double n_vocab = cJSON_GetNumberValue(cJSON_GetObjectItem(root, "n_vocab"));
        CHECK_MSG(offset >= 0 && rows > 0 && n_vocab > 0 && offset + rows * n_vocab * 4 <= (double)blob_size &&
                      (size_t)offset % sizeof(float) == 0,
                  "%s: the logits of %s lie outside the logits file", argv[1], argv[3]);
        snprintf(path, sizeof path, "%s/%s.gguf", argv[2], argv[3]);
        if (!test_failures)
            check_file(root, entry, path, (const float *)(blob + (size_t)offset), (size_t)rows);
    }
    cJSON_Delete(root);
    free(json);
    free(blob);
    return test_finish(argv[3]);
}
