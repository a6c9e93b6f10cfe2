/* Sequences of different lengths decoded together over one paged cache give the logits each gives decoded alone:
 * four sequences (prompts of 5, 70, 1 and 300 tokens, so their pages interleave in the pool and the longest one's
 * decode attention takes two splits along the sequence) decode one token each
 * in one submission, then a mixed batch (a 12-token prompt chunk of a fifth sequence and the next decode token of
 * the four) gives each sequence's last-token logits in one submission. F32 cache: the two runs differ only in
 * float rounding (batched and grouped expert products against matrix-vector ones), observed below 1e-5, with
 * prompt chunks in either attention form; bound 5e-5 + 5e-5 |want|. A released sequence's pages return to the
 * pool; a full pool or a batch that breaks its rules is an error that adds nothing.
 * usage: test_model_multi_sequence MODEL */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/model_files.h"
#include "gpu_test.h"
#include "model/model.h"
#include "test_util.h"

#define MAX_LEN 512
#define BATCH 32
#define DECODING 4               /* sequences 0..3 decode; sequence 4 brings a prompt in two chunks */
#define CHUNK_SPLIT 28

static const uint32_t prompt_lengths[DECODING + 1] = {5, 70, 1, 300, 40};

typedef struct fixture {
    vk_context *ctx;
    ops *ops;
    model_files *files;
    model *m;
    model_state *s;
    vk_recording *rec;
    uint32_t vocab;
    int32_t prompts[DECODING + 1][MAX_LEN];
    int32_t decode_tokens[2][DECODING];
} fixture;

/* Records and runs one batch. */
static void run_batch(fixture *f, model_cache *cache, const model_batch *b)
{
    CHECK(vk_recording_begin(f->rec, false) == MLAVK_OK);
    CHECK_MSG(model_record_forward(f->m, f->s, cache, f->rec, b) == MLAVK_OK, "%s", mlavk_last_error());
    CHECK(vk_recording_end(f->rec) == MLAVK_OK && vk_recording_run(f->rec) == MLAVK_OK);
}

static void copy_logits(const fixture *f, uint32_t row, float *out)
{
    memcpy(out, (const float *)f->s->logits_host.mapped + (size_t)row * f->vocab, f->vocab * sizeof *out);
}

/* Runs n tokens of one sequence in batches of their own, at most BATCH tokens each. */
static void run_tokens(fixture *f, model_cache *cache, uint32_t seq, const int32_t *tokens, uint32_t n)
{
    for (uint32_t done = 0; done < n;) {
        uint32_t chunk = n - done < BATCH ? n - done : BATCH;
        model_batch b = {.logits = MODEL_LOGITS_LAST};
        CHECK_MSG(model_batch_add(f->s, cache, &b, seq, tokens + done, chunk) == MLAVK_OK, "%s", mlavk_last_error());
        run_batch(f, cache, &b);
        done += chunk;
    }
}

static model_cache *new_cache(fixture *f, uint32_t pages, uint32_t seqs)
{
    model_cache *cache = NULL;
    CHECK_MSG(model_cache_create(f->m, pages, seqs, MAX_LEN, OPS_CACHE_F32, &cache) == MLAVK_OK, "%s",
              mlavk_last_error());
    return cache;
}

/* Each sequence alone in a cache of its own: the decode logits (steps 0 and 1) of sequences 0..3, and the last
 * prompt logits of sequence 4. */
static void decode_alone(fixture *f, float *want_decode[2][DECODING], float *want_prompt)
{
    for (uint32_t seq = 0; seq <= DECODING; seq++) {
        model_cache *cache = new_cache(f, MAX_LEN / OPS_KV_PAGE_ROWS, 1);
        if (seq == DECODING) {
            run_tokens(f, cache, 0, f->prompts[seq], CHUNK_SPLIT);
            run_tokens(f, cache, 0, f->prompts[seq] + CHUNK_SPLIT, prompt_lengths[seq] - CHUNK_SPLIT);
            copy_logits(f, 0, want_prompt);
        } else {
            run_tokens(f, cache, 0, f->prompts[seq], prompt_lengths[seq]);
            for (uint32_t step = 0; step < 2; step++) {
                run_tokens(f, cache, 0, &f->decode_tokens[step][seq], 1);
                copy_logits(f, 0, want_decode[step][seq]);
            }
        }
        model_cache_free(f->m, cache);
    }
}

static void compare(const fixture *f, const char *what, uint32_t seq, uint32_t row, const float *want)
{
    double *wanted = malloc(f->vocab * sizeof *wanted);
    for (uint32_t i = 0; i < f->vocab; i++)
        wanted[i] = want[i];
    char label[96];
    snprintf(label, sizeof label, "%s, sequence %u (row %u)", what, seq, row);
    test_compare(label, (const float *)f->s->logits_host.mapped + (size_t)row * f->vocab, wanted, f->vocab, 5e-5,
                 5e-5);
    free(wanted);
}

static void decode_together(fixture *f, float *want_decode[2][DECODING], const float *want_prompt)
{
    model_cache *cache = new_cache(f, 12, DECODING + 1);
    for (uint32_t seq = 0; seq < DECODING; seq++)
        run_tokens(f, cache, seq, f->prompts[seq], prompt_lengths[seq]);
    run_tokens(f, cache, DECODING, f->prompts[DECODING], CHUNK_SPLIT);

    /* one decode token of each sequence: one recording, one submission */
    model_batch b = {.logits = MODEL_LOGITS_LAST};
    for (uint32_t seq = 0; seq < DECODING; seq++)
        CHECK(model_batch_add(f->s, cache, &b, seq, &f->decode_tokens[0][seq], 1) == MLAVK_OK);
    CHECK_MSG(model_attention_splits(f->s, &b) == 2, "%u splits for 302 positions", model_attention_splits(f->s, &b));
    run_batch(f, cache, &b);
    for (uint32_t seq = 0; seq < DECODING; seq++)
        compare(f, "decode batch", seq, seq, want_decode[0][seq]);

    /* the mixed batch: the prompt chunk first, then the decode tokens; row 0 is the chunk's last token */
    b = (model_batch){.logits = MODEL_LOGITS_LAST};
    CHECK(model_batch_add(f->s, cache, &b, DECODING, f->prompts[DECODING] + CHUNK_SPLIT,
                          prompt_lengths[DECODING] - CHUNK_SPLIT) == MLAVK_OK);
    for (uint32_t seq = 0; seq < DECODING; seq++)
        CHECK(model_batch_add(f->s, cache, &b, seq, &f->decode_tokens[1][seq], 1) == MLAVK_OK);
    run_batch(f, cache, &b);
    compare(f, "mixed batch prompt chunk", DECODING, 0, want_prompt);
    for (uint32_t seq = 0; seq < DECODING; seq++)
        compare(f, "mixed batch decode", seq, seq + 1, want_decode[1][seq]);

    /* the batch's rules, and pages back to the pool */
    b = (model_batch){.logits = MODEL_LOGITS_LAST};
    CHECK(model_batch_add(f->s, cache, &b, 0, f->prompts[0], 1) == MLAVK_OK);
    CHECK(model_batch_add(f->s, cache, &b, 0, f->prompts[0], 1) == MLAVK_ERR_INVALID_ARGUMENT);
    CHECK(model_batch_add(f->s, cache, &b, 1, f->prompts[1], 2) == MLAVK_ERR_INVALID_ARGUMENT);
    CHECK(model_batch_add(f->s, cache, &b, DECODING + 1, f->prompts[1], 1) == MLAVK_ERR_INVALID_ARGUMENT);
    uint32_t free_before = cache->n_free;
    model_cache_release(cache, 1); /* 72 positions: two pages */
    CHECK_MSG(cache->n_free == free_before + 2 && cache->lengths[1] == 0, "%u free pages after release, %u before",
              cache->n_free, free_before);
    model_cache_free(f->m, cache);

    /* a pool of one page: a second sequence finds no free page, and nothing of it is added */
    cache = new_cache(f, 1, 2);
    b = (model_batch){.logits = MODEL_LOGITS_LAST};
    CHECK(model_batch_add(f->s, cache, &b, 0, f->prompts[1], 3) == MLAVK_OK);
    CHECK(model_batch_add(f->s, cache, &b, 1, f->prompts[1], 1) == MLAVK_ERR_CONTEXT_FULL);
    CHECK_MSG(strstr(mlavk_last_error(), "0 of 1 are free") && cache->lengths[1] == 0 && b.n_seqs == 1,
              "%s (length %u)", mlavk_last_error(), cache->lengths[1]);
    model_cache_free(f->m, cache);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_model_multi_sequence MODEL\n");
        return 2;
    }
    fixture f = {.ctx = gpu_test_context()};
    CHECK(ops_create(f.ctx, NULL, &f.ops) == MLAVK_OK);
    CHECK_MSG(model_files_open(argv[1], true, &f.files) == MLAVK_OK, "%s", mlavk_last_error());
    CHECK_MSG(model_load(f.ctx, f.ops, f.files, argv[1], NULL, NULL, &f.m) == MLAVK_OK, "%s", mlavk_last_error());
    CHECK(vk_recording_create(f.ctx, &f.rec) == MLAVK_OK);
    f.vocab = f.m->config.n_vocab;
    test_rng rng = {77};
    for (uint32_t seq = 0; seq <= DECODING; seq++)
        for (uint32_t i = 0; i < prompt_lengths[seq]; i++)
            f.prompts[seq][i] = (int32_t)test_rng_below(&rng, f.vocab);
    for (uint32_t step = 0; step < 2; step++)
        for (uint32_t seq = 0; seq < DECODING; seq++)
            f.decode_tokens[step][seq] = (int32_t)test_rng_below(&rng, f.vocab);

    float *want_decode[2][DECODING], *want_prompt = malloc(f.vocab * sizeof(float));
    for (uint32_t step = 0; step < 2; step++)
        for (uint32_t seq = 0; seq < DECODING; seq++)
            want_decode[step][seq] = malloc(f.vocab * sizeof(float));
    /* prompt chunks in either attention form: expanded, the mixed batch's chunk runs expanded and its decode
     * tokens absorbed */
    const model_prefill_attention forms[] = {MODEL_PREFILL_ABSORBED, MODEL_PREFILL_EXPANDED};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        CHECK(model_state_create(f.m, MAX_LEN, BATCH, forms[i], &f.s) == MLAVK_OK);
        CHECK(model_prefill_is_expanded(f.m, f.s, prompt_lengths[DECODING] - CHUNK_SPLIT, CHUNK_SPLIT) == (i == 1));
        printf("prompt chunks %s\n", i == 1 ? "expanded" : "absorbed");
        decode_alone(&f, want_decode, want_prompt);
        decode_together(&f, want_decode, want_prompt);
        model_state_free(f.m, f.s);
    }

    for (uint32_t step = 0; step < 2; step++)
        for (uint32_t seq = 0; seq < DECODING; seq++)
            free(want_decode[step][seq]);
    free(want_prompt);
    vk_recording_destroy(f.rec);
    model_free(f.m);
    model_files_close(f.files);
    ops_destroy(f.ops);
    return gpu_test_finish(f.ctx, "model_multi_sequence");
}
