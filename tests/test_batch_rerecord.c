/* The batch scheduler records a step anew when its split changes (a prompt chunk beside decode tokens, another
 * decode-only width, other attention splits) and reuses a decode-only recording of the same width for whatever
 * sequences fill it: a stale recording (an earlier step's offsets, positions or page table) would feed a
 * sequence another's cache or drop its token. On the built-in model with an F32 cache, sequences join and leave
 * between steps in two schedules (different orders, prompt chunks and slot counts, one sequence cancelled), with
 * prompts of odd lengths over 1 to 4 pages of 64 rows and one sequence past 256 positions (a second attention
 * split); each sequence's greedy tokens equal those it gives alone (mlavk_engine_generate), the cancelled one's
 * a prefix. The second schedule must have a decode-only step wider than the one before it, so that reusing a
 * recording of another width fails the test, as reusing a prompt-chunk step's recording does. */
#include <stdlib.h>
#include <string.h>

#include "mlavk.h"
#include "test_util.h"

#define N_SEQS 6
#define MAX_STEPS 600

typedef struct planned {
    uint32_t offset, n_prompt;     /* the prompt: tokens [offset, offset + n_prompt) of the text */
    uint32_t max_tokens;
    uint32_t submit_at;            /* the step it joins at */
    uint32_t cancel_after;         /* cancelled once it has this many tokens; 0: never */
} planned;

typedef struct collected {
    int32_t tokens[64];
    uint32_t n;
    mlavk_finish finish;
} collected;

static int keep_token(int32_t token, void *user)
{
    collected *c = user;
    if (c->n < 64)
        c->tokens[c->n++] = token;
    return 0;
}

static mlavk_sampling greedy(void)
{
    mlavk_sampling s = mlavk_sampling_defaults();
    s.temperature = 0;
    return s;
}

/* What a schedule exercised: the most sequences that ran in one step, and whether a decode-only step was wider
 * than the decode-only step before it (a recording of another width, not the last one used). */
typedef struct exercised {
    uint32_t widest;
    bool wider_decode;
} exercised;

static exercised run_schedule(mlavk_batch *batch, const int32_t *text, const planned *plan, collected *got)
{
    uint64_t ids[N_SEQS] = {0}, prompt_tokens = 0;
    uint32_t submitted = 0, last_decode_width = 0;
    exercised x = {0};
    for (uint32_t step = 0; step < MAX_STEPS; step++) {
        for (uint32_t i = 0; i < N_SEQS; i++) {
            if (plan[i].submit_at == step) {
                mlavk_seq_params p = {.prompt = text + plan[i].offset, .n_prompt = plan[i].n_prompt,
                                      .max_tokens = plan[i].max_tokens, .sampling = greedy(), .user = &got[i]};
                CHECK(mlavk_batch_submit(batch, &p, &ids[i]) == MLAVK_OK);
                submitted++;
            }
            if (plan[i].cancel_after && got[i].n == plan[i].cancel_after && got[i].finish == MLAVK_FINISH_NONE)
                mlavk_batch_cancel(batch, ids[i]);
        }
        const mlavk_seq_event *events;
        uint32_t count;
        CHECK(mlavk_batch_step(batch, &events, &count) == MLAVK_OK);
        for (uint32_t e = 0; e < count; e++) {
            collected *c = events[e].user;
            if (events[e].token >= 0 && c->n < 64)
                c->tokens[c->n++] = events[e].token;
            c->finish = events[e].finish;
        }
        mlavk_batch_stats st;
        mlavk_batch_get_stats(batch, &st);
        x.widest = st.running > x.widest ? st.running : x.widest;
        uint32_t width = 0; /* sequences that decoded a token */
        for (uint32_t e = 0; e < count; e++)
            width += events[e].token >= 0;
        if (st.prompt_tokens == prompt_tokens && width > 0) {
            x.wider_decode |= last_decode_width && width > last_decode_width;
            last_decode_width = width;
        }
        prompt_tokens = st.prompt_tokens;
        if (submitted == N_SEQS && st.running == 0 && st.queued == 0) {
            CHECK(st.pages_used == 0);
            return x;
        }
    }
    CHECK_MSG(0, "the schedule did not finish in %d steps", MAX_STEPS);
    return x;
}

/* Returns whether a decode-only step was wider than the one before it. */
static bool check_schedule(mlavk_engine *engine, const int32_t *text, const planned *plan, const collected *alone,
                           uint32_t max_seqs, uint32_t chunk, const char *name)
{
    mlavk_batch *batch = NULL;
    mlavk_batch_params bp = {.max_seqs = max_seqs, .prefill_chunk = chunk};
    CHECK(mlavk_batch_create(engine, &bp, &batch) == MLAVK_OK);
    if (!batch)
        return false;
    collected got[N_SEQS] = {0};
    exercised x = run_schedule(batch, text, plan, got);
    CHECK_MSG(x.widest == max_seqs, "%s: at most %u sequences ran at once, not %u", name, x.widest, max_seqs);
    for (uint32_t i = 0; i < N_SEQS; i++) {
        if (plan[i].cancel_after) {
            CHECK_MSG(got[i].finish == MLAVK_FINISH_CANCELLED && got[i].n == plan[i].cancel_after &&
                          got[i].n < alone[i].n &&
                          !memcmp(got[i].tokens, alone[i].tokens, got[i].n * sizeof *got[i].tokens),
                      "%s: sequence %u: cancelled after %u tokens, not a prefix of its %u alone", name, i, got[i].n,
                      alone[i].n);
            continue;
        }
        CHECK_MSG(got[i].n == alone[i].n && !memcmp(got[i].tokens, alone[i].tokens, got[i].n * sizeof *got[i].tokens),
                  "%s: sequence %u (prompt of %u tokens): the batch's %u tokens differ from its %u alone", name, i,
                  plan[i].n_prompt, got[i].n, alone[i].n);
    }
    mlavk_batch_free(batch);
    return x.wider_decode;
}

int main(void)
{
    mlavk_engine_params params = {.n_ctx = 512, .kv_f32 = 1};
    mlavk_engine *engine = NULL;
    size_t size = 0;
    char *chars = test_read_file(MLAVK_SOURCE_DIR "/tests/data/tinyshakespeare_validation.txt", &size);
    CHECK(chars && size > 20000);
    CHECK(mlavk_engine_create(&params, &engine) == MLAVK_OK);
    int32_t *text = NULL;
    size_t n_text = 0;
    if (engine && chars)
        CHECK(mlavk_tokenize(mlavk_engine_tokenizer(engine), chars, 20000, 0, &text, &n_text) == MLAVK_OK);
    free(chars);
    if (!engine || !text || n_text < 3000) {
        CHECK_MSG(0, "no engine or text");
        free(text);
        mlavk_engine_free(engine);
        return test_finish("batch re-record");
    }
    /* offsets, prompt lengths (odd, over 1 to 4 pages; 250 + 20 crosses 256 positions), max tokens */
    const uint32_t shape[N_SEQS][3] = {{0, 67, 9},     {500, 131, 24}, {900, 5, 3},
                                       {1300, 250, 20}, {2000, 64, 12}, {2500, 129, 30}};
    collected alone[N_SEQS] = {0};
    for (uint32_t i = 0; i < N_SEQS; i++) {
        mlavk_sampling s = greedy();
        mlavk_engine_reset(engine);
        CHECK(mlavk_engine_generate(engine, text + shape[i][0], shape[i][1], shape[i][2], &s, keep_token, &alone[i],
                                    NULL) == MLAVK_OK);
    }
    /* {submit_at, cancel_after} per sequence: first in order, a late joiner cancelled; then the reverse order, the
     * short prompt joining while one sequence decodes alone */
    const uint32_t first[N_SEQS][2] = {{0, 0}, {0, 0}, {30, 0}, {3, 0}, {3, 0}, {9, 7}};
    const uint32_t second[N_SEQS][2] = {{7, 0}, {5, 0}, {28, 0}, {0, 0}, {0, 0}, {0, 4}};
    planned a[N_SEQS], b[N_SEQS];
    for (uint32_t i = 0; i < N_SEQS; i++) {
        a[i] = (planned){shape[i][0], shape[i][1], shape[i][2], first[i][0], first[i][1]};
        b[i] = (planned){shape[i][0], shape[i][1], shape[i][2], second[i][0], second[i][1]};
    }
    check_schedule(engine, text, a, alone, 3, 37, "in order, 3 slots, chunks of 37");
    CHECK_MSG(check_schedule(engine, text, b, alone, 4, 53, "reversed, 4 slots, chunks of 53"),
              "the reversed schedule has no decode-only step wider than the one before");
    free(text);
    mlavk_engine_free(engine);
    return test_finish("batch re-record");
}
