/* The GPU forward pass equals the double-precision reference (naive MLA with per-head K and V) for a prompt
 * evaluated as a batch and then 64 tokens decoded one at a time (in a context longer than the positions used);
 * evaluating the prompt token by token gives the same logits and the same greedy continuation. Comparison stops
 * at the first token whose expert choice the reference finds a near-tie (float or F16-cache rounding may then
 * rightly pick the other expert); at least MIN_COMPARED positions must be compared.
 * usage: test_model_forward MODEL f16|f32 ABS_TOL REL_TOL [auto|absorbed|expanded]
 *   (the latent cache type; the prefill attention form, auto by default) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/model_files.h"
#include "mlavk.h"
#include "ref/ref_load.h"
#include "test_util.h"
#include "vk/vk_device.h"

#define PROMPT 11
#define DECODE 64
#define N_CTX 600 /* more than one cache page, most of them never taken */
#define MIN_COMPARED 16
/* routing scores closer than this may swap under float rounding (F32 cache) or F16 cache rounding */
#define CLEAR_MARGIN_F32 5e-5
#define CLEAR_MARGIN_F16 5e-4

/* Compares one position's logits unless a routing near-tie has ended the comparison. */
static void compare_position(const char *what, int index, const float *got, const double *want, uint32_t vocab,
                             double margin, double clear_margin, double abs_tol, double rel_tol, bool *comparing,
                             int *compared)
{
    if (*comparing && margin < clear_margin) {
        printf("  %s %d: routing near-tie (margin %.2g); comparison stops\n", what, index, margin);
        *comparing = false;
    }
    if (!*comparing)
        return;
    char label[64];
    snprintf(label, sizeof label, "%s %d", what, index);
    test_compare(label, got, want, vocab, abs_tol, rel_tol);
    (*compared)++;
}

static mlavk_engine *open_engine(const char *path, uint32_t batch, bool kv_f32, mlavk_prefill_attention prefill)
{
    mlavk_engine_params params = {
        .model_path = path, .n_ctx = N_CTX, .batch = batch, .kv_f32 = kv_f32, .prefill_attention = prefill,
        .profile = 1};
    mlavk_engine *e = NULL;
    if (mlavk_engine_create(&params, &e) != MLAVK_OK) {
        fprintf(stderr, "cannot load %s: %s\n", path, mlavk_last_error());
        exit(1);
    }
    return e;
}

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6)
        return fprintf(stderr, "usage: %s MODEL f16|f32 ABS_TOL REL_TOL [auto|absorbed|expanded]\n", argv[0]), 2;
    const char *path = argv[1];
    const char *form = argc == 6 ? argv[5] : "auto";
    mlavk_prefill_attention prefill = !strcmp(form, "expanded")   ? MLAVK_PREFILL_EXPANDED
                                      : !strcmp(form, "absorbed") ? MLAVK_PREFILL_ABSORBED
                                                                  : MLAVK_PREFILL_AUTO;
    bool kv_f32 = strcmp(argv[2], "f32") == 0;
    double abs_tol = atof(argv[3]), rel_tol = atof(argv[4]);
    model_files *files;
    CHECK_MSG(model_files_open(path, true, &files) == MLAVK_OK, "%s", mlavk_last_error());
    ref_model ref;
    if (test_failures || !ref_model_load(files, &ref))
        return test_finish("model_forward");
    ref_state rs;
    CHECK(ref_state_init(&rs, &ref.c, PROMPT + DECODE + 1));
    rs.f16_cache = !kv_f32;
    const uint32_t vocab = (uint32_t)ref.c.vocab;

    test_rng rng = {11};
    int32_t tokens[PROMPT + DECODE];
    for (int i = 0; i < PROMPT; i++)
        tokens[i] = (int32_t)test_rng_below(&rng, vocab);
    float *gpu = malloc((size_t)PROMPT * vocab * sizeof *gpu), *by_one = malloc((size_t)PROMPT * vocab * sizeof *gpu);
    double *want = malloc((size_t)vocab * sizeof *want);

    /* batch of 4 so the prompt runs as 4 + 4 + 3 */
    mlavk_engine *e = open_engine(path, 4, kv_f32, prefill);
    CHECK(mlavk_engine_eval(e, tokens, PROMPT, 1, 0, gpu) == MLAVK_OK);
    if (prefill != MLAVK_PREFILL_AUTO) { /* the last prompt batch (3 tokens at position 8) ran the form asked for */
        const char *want_op = prefill == MLAVK_PREFILL_EXPANDED ? "attention_expanded" : "mla_attention";
        const char *other_op = prefill == MLAVK_PREFILL_EXPANDED ? "mla_attention" : "attention_expanded";
        const mlavk_op_profile *ops;
        uint32_t n_ops = mlavk_engine_profile(e, &ops);
        bool found = false, other = false;
        for (uint32_t i = 0; i < n_ops; i++) {
            found |= strcmp(ops[i].op, want_op) == 0;
            other |= strcmp(ops[i].op, other_op) == 0;
        }
        CHECK_MSG(found && !other, "the prompt's last batch did not run %s alone", want_op);
    }
    const double clear_margin = kv_f32 ? CLEAR_MARGIN_F32 : CLEAR_MARGIN_F16;
    bool comparing = true;
    int compared = 0;
    for (int i = 0; i < PROMPT; i++) {
        ref_forward(&ref, &rs, tokens[i], want);
        compare_position("prompt position (batched)", i, gpu + (size_t)i * vocab, want, vocab, rs.routing_margin,
                         clear_margin, abs_tol, rel_tol, &comparing, &compared);
    }
    int32_t greedy[DECODE];
    for (int i = 0; i < DECODE; i++) {
        const float *last = i == 0 ? gpu + (size_t)(PROMPT - 1) * vocab : gpu;
        greedy[i] = (int32_t)test_argmax(last, vocab);
        CHECK(mlavk_engine_eval(e, &greedy[i], 1, 0, 0, gpu) == MLAVK_OK);
        ref_forward(&ref, &rs, greedy[i], want);
        compare_position("decoded token", i + 1, gpu, want, vocab, rs.routing_margin, clear_margin, abs_tol, rel_tol,
                         &comparing, &compared);
    }
    CHECK_MSG(compared >= MIN_COMPARED, "only %d positions compared before a routing near-tie", compared);
    CHECK(mlavk_engine_n_past(e) == PROMPT + DECODE);

    /* the same prompt token by token: same logits, same greedy continuation */
    mlavk_engine_reset(e);
    CHECK(mlavk_engine_eval(e, tokens, PROMPT, 1, 1, by_one) == MLAVK_OK);
    double *batched = malloc((size_t)PROMPT * vocab * sizeof *batched);
    CHECK(mlavk_engine_eval(e, tokens, 0, 1, 0, NULL) == MLAVK_OK);
    mlavk_engine_reset(e);
    CHECK(mlavk_engine_eval(e, tokens, PROMPT, 1, 0, gpu) == MLAVK_OK);
    for (size_t i = 0; i < (size_t)PROMPT * vocab; i++)
        batched[i] = gpu[i];
    test_compare("one-by-one prefill vs batched", by_one, batched, (size_t)PROMPT * vocab, abs_tol, rel_tol);
    for (int i = 0; i < DECODE; i++) {
        const float *last = i == 0 ? gpu + (size_t)(PROMPT - 1) * vocab : gpu;
        int32_t t = (int32_t)test_argmax(last, vocab);
        CHECK_MSG(t == greedy[i], "greedy token %d differs after one-by-one prefill: %d vs %d", i, t, greedy[i]);
        CHECK(mlavk_engine_eval(e, &t, 1, 0, 0, gpu) == MLAVK_OK);
    }
    mlavk_engine_free(e);
    free(batched);
    free(gpu);
    free(by_one);
    free(want);
    ref_state_free(&rs, &ref.c);
    ref_model_free(&ref);
    model_files_close(files);
    CHECK_MSG(vk_validation_message_count() == 0, "validation layer messages");
    return test_finish("model_forward");
}
