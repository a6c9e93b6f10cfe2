/* The batch scheduler (mlavk_batch) on the built-in model with an F32 cache: greedy sequences decoded together,
 * more of them than slots, give the tokens each gives alone through mlavk_engine_generate; stop strings cut the
 * text where they first appear; cancelling ends a sequence; pages are taken as sequences grow and all return;
 * a prompt too long for the context or the pool is refused, and a sequence that outgrows the pool ends with
 * MLAVK_ERR_CACHE_FULL. */
#include <stdlib.h>
#include <string.h>

#include "mlavk.h"
#include "test_util.h"

#define MAX_TOKENS 12
#define N_SEQS 3

typedef struct collected {
    int32_t tokens[256];
    uint32_t n;
    char text[4096];
    size_t length;
    mlavk_finish finish;
    mlavk_status error;
} collected;

static collected reference[N_SEQS];

static int keep_token(int32_t token, void *user)
{
    collected *c = user;
    c->tokens[c->n++] = token;
    return 0;
}

/* Steps until nothing runs or waits, filing each event into the collected entry its user points to. */
static void run(mlavk_batch *batch, uint32_t max_steps)
{
    mlavk_batch_stats st;
    for (uint32_t step = 0; step < max_steps; step++) {
        const mlavk_seq_event *events;
        uint32_t count;
        CHECK(mlavk_batch_step(batch, &events, &count) == MLAVK_OK);
        for (uint32_t i = 0; i < count; i++) {
            collected *c = events[i].user;
            if (events[i].token >= 0)
                c->tokens[c->n++] = events[i].token;
            memcpy(c->text + c->length, events[i].text, events[i].length);
            c->length += events[i].length;
            c->finish = events[i].finish;
            c->error = events[i].error;
        }
        mlavk_batch_get_stats(batch, &st);
        CHECK(st.pages_used + st.pages_free == st.pages_total);
        CHECK(st.pages_used * MLAVK_PAGE_TOKENS >= st.cache_tokens_used);
        if (st.running == 0 && st.queued == 0)
            return;
    }
    CHECK_MSG(0, "the batch did not finish in %u steps", max_steps);
}

static mlavk_seq_params greedy(const int32_t *ids, size_t n, uint32_t max_tokens, void *user)
{
    mlavk_seq_params p = {.prompt = ids, .n_prompt = (uint32_t)n, .max_tokens = max_tokens,
                          .sampling = mlavk_sampling_defaults(), .user = user};
    p.sampling.temperature = 0;
    return p;
}

/* Two slots for three sequences (the third waits for one to end): each gets the tokens it gets alone. */
static void check_together_as_alone(mlavk_engine *engine, int32_t *ids[], const size_t n_ids[], collected got[])
{
    mlavk_tokenizer *tok = mlavk_engine_tokenizer(engine);
    mlavk_batch *batch = NULL;
    CHECK(mlavk_batch_create(engine, &(mlavk_batch_params){.max_seqs = 2}, &batch) == MLAVK_OK);
    if (!batch)
        return;
    uint64_t id;
    for (int i = 0; i < N_SEQS; i++) {
        mlavk_seq_params p = greedy(ids[i], n_ids[i], MAX_TOKENS, &got[i]);
        CHECK(mlavk_batch_submit(batch, &p, &id) == MLAVK_OK && id != 0);
    }
    run(batch, 200);
    for (int i = 0; i < N_SEQS; i++) {
        CHECK_MSG(got[i].n == reference[i].n && !memcmp(got[i].tokens, reference[i].tokens, got[i].n * 4),
                  "sequence %d: the batch's tokens differ from the engine's alone", i);
        char *text;
        size_t length;
        uint32_t n_text = got[i].n - (got[i].finish == MLAVK_FINISH_STOP); /* without end-of-sequence */
        CHECK(mlavk_detokenize(tok, got[i].tokens, n_text, &text, &length) == MLAVK_OK);
        CHECK_MSG(length == got[i].length && !memcmp(text, got[i].text, length), "sequence %d: event text", i);
        free(text);
        CHECK(got[i].finish == (got[i].n == MAX_TOKENS ? MLAVK_FINISH_LENGTH : MLAVK_FINISH_STOP));
    }
    mlavk_batch_stats st;
    mlavk_batch_get_stats(batch, &st);
    CHECK(st.pages_used == 0 && st.running == 0 && st.queued == 0 && st.prefix_hit_tokens == 0);
    CHECK(st.generated_tokens > 0 && st.steps > 0);
    mlavk_batch_free(batch);
}

/* A stop string from the middle of a text: the text before it, then STOP. Cancelling a running sequence ends
 * it at the next step and returns its pages. */
static void check_stop_and_cancel(mlavk_engine *engine, const int32_t *ids, size_t n_ids, const collected *full)
{
    mlavk_batch *batch = NULL;
    CHECK(mlavk_batch_create(engine, &(mlavk_batch_params){.max_seqs = 2}, &batch) == MLAVK_OK);
    CHECK(full->length > 8);
    if (!batch || full->length <= 8) {
        mlavk_batch_free(batch);
        return;
    }
    char stop[5];
    memcpy(stop, full->text + 4, 4);
    stop[4] = '\0';
    size_t before = (size_t)(strstr(full->text, stop) - full->text);
    collected cut = {0};
    mlavk_seq_params p = greedy(ids, n_ids, MAX_TOKENS, &cut);
    const char *stops[] = {"never in this text", stop};
    p.stop = stops;
    p.n_stop = 2;
    uint64_t id;
    CHECK(mlavk_batch_submit(batch, &p, &id) == MLAVK_OK);
    run(batch, 50);
    CHECK(cut.finish == MLAVK_FINISH_STOP && cut.length == before && !memcmp(cut.text, full->text, before));

    collected cancelled = {0};
    p = greedy(ids, n_ids, 100, &cancelled);
    CHECK(mlavk_batch_submit(batch, &p, &id) == MLAVK_OK);
    const mlavk_seq_event *events;
    uint32_t count;
    for (int i = 0; i < 3; i++)
        CHECK(mlavk_batch_step(batch, &events, &count) == MLAVK_OK);
    mlavk_batch_stats st;
    mlavk_batch_get_stats(batch, &st);
    CHECK(st.running == 1 && st.pages_used == 1);
    mlavk_batch_cancel(batch, id);
    CHECK(mlavk_batch_step(batch, &events, &count) == MLAVK_OK);
    CHECK(count == 1 && events[0].finish == MLAVK_FINISH_CANCELLED && events[0].token == -1);
    mlavk_batch_get_stats(batch, &st);
    CHECK(st.running == 0 && st.pages_used == 0);
    mlavk_batch_free(batch);
}

/* Refused: an empty prompt, one that fills the context, one larger than a pool of one page; a sequence that
 * outgrows that page ends with CACHE_FULL. */
static void check_refusals(mlavk_engine *engine)
{
    int32_t *many = calloc(256, sizeof *many);
    mlavk_batch *batch = NULL;
    CHECK(mlavk_batch_create(engine, &(mlavk_batch_params){.max_seqs = 1, .cache_tokens = 64}, &batch) == MLAVK_OK);
    if (!many || !batch) {
        free(many);
        mlavk_batch_free(batch);
        return;
    }
    uint64_t id;
    mlavk_seq_params p = greedy(many, 256, 1, NULL);
    CHECK(mlavk_batch_submit(batch, &p, &id) == MLAVK_ERR_CONTEXT_FULL);
    p.n_prompt = 0;
    CHECK(mlavk_batch_submit(batch, &p, &id) == MLAVK_ERR_INVALID_ARGUMENT);
    p.n_prompt = 65;
    CHECK(mlavk_batch_submit(batch, &p, &id) == MLAVK_ERR_CACHE_FULL);
    collected outgrown = {0};
    p = greedy(many, 60, 20, &outgrown);
    CHECK(mlavk_batch_submit(batch, &p, &id) == MLAVK_OK);
    run(batch, 30);
    CHECK(outgrown.finish == MLAVK_FINISH_ERROR && outgrown.error == MLAVK_ERR_CACHE_FULL);
    CHECK_MSG(outgrown.n == 5, "%u tokens before the pool ran out, not 4 + the one sampled last", outgrown.n);
    mlavk_batch_stats st;
    mlavk_batch_get_stats(batch, &st);
    CHECK(st.pages_used == 0);
    mlavk_batch_free(batch);
    free(many);
}

int main(void)
{
    mlavk_engine_params params = {.n_ctx = 256, .kv_f32 = 1};
    mlavk_engine *engine = NULL;
    CHECK(mlavk_engine_create(&params, &engine) == MLAVK_OK);
    if (!engine)
        return test_finish("batch");
    mlavk_tokenizer *tok = mlavk_engine_tokenizer(engine);
    const char *prompts[N_SEQS] = {"ROMEO:", "JULIET:\nO Romeo", "First Citizen:\nBefore we proceed any further"};
    int32_t *ids[N_SEQS] = {0};
    size_t n_ids[N_SEQS] = {0};
    for (int i = 0; i < N_SEQS; i++) {
        CHECK(mlavk_tokenize(tok, prompts[i], strlen(prompts[i]), MLAVK_BOS_DEFAULT, &ids[i], &n_ids[i]) == MLAVK_OK);
        mlavk_sampling s = greedy(NULL, 0, 0, NULL).sampling;
        mlavk_engine_reset(engine);
        CHECK(mlavk_engine_generate(engine, ids[i], (uint32_t)n_ids[i], MAX_TOKENS, &s, keep_token, &reference[i],
                                    NULL) == MLAVK_OK);
    }
    collected got[N_SEQS] = {0};
    check_together_as_alone(engine, ids, n_ids, got);
    check_stop_and_cancel(engine, ids[0], n_ids[0], &got[0]);
    check_refusals(engine);
    for (int i = 0; i < N_SEQS; i++)
        free(ids[i]);
    mlavk_engine_free(engine);
    return test_finish("batch");
}
