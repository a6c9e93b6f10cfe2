/* Prefix reuse in the batch scheduler (mlavk_batch) on the built-in model with an F32 cache: a prompt that begins
 * with the full pages of an earlier one (a long shared system prompt) maps them instead of computing them,
 * counts them as prefix-hit tokens and gives the greedy tokens it gives alone, with nothing reused; a prompt
 * that begins differently reuses nothing; when the pool is short, kept pages are evicted for a new prompt; at
 * the end every page is free or kept and held by no sequence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlavk.h"
#include "test_util.h"

#define MAX_TOKENS 12

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

/* Greedy tokens of the prompt alone, through the engine's own sequence. */
static collected alone(mlavk_engine *engine, const int32_t *ids, size_t n)
{
    collected c = {0};
    mlavk_sampling s = mlavk_sampling_defaults();
    s.temperature = 0;
    mlavk_engine_reset(engine);
    CHECK(mlavk_engine_generate(engine, ids, (uint32_t)n, MAX_TOKENS, &s, keep_token, &c, NULL) == MLAVK_OK);
    return c;
}

/* Runs one greedy sequence through the batch to its end; returns the prefix-hit tokens it added. */
static uint64_t run_one(mlavk_batch *batch, const int32_t *ids, size_t n, collected *got)
{
    mlavk_batch_stats st;
    mlavk_batch_get_stats(batch, &st);
    const uint64_t hits = st.prefix_hit_tokens;
    mlavk_seq_params p = {.prompt = ids, .n_prompt = (uint32_t)n, .max_tokens = MAX_TOKENS,
                          .sampling = mlavk_sampling_defaults(), .user = got};
    p.sampling.temperature = 0;
    uint64_t id;
    CHECK(mlavk_batch_submit(batch, &p, &id) == MLAVK_OK);
    for (uint32_t step = 0; step < 100; step++) {
        const mlavk_seq_event *events;
        uint32_t count;
        CHECK(mlavk_batch_step(batch, &events, &count) == MLAVK_OK);
        for (uint32_t i = 0; i < count; i++) {
            if (events[i].token >= 0 && got->n < 64)
                got->tokens[got->n++] = events[i].token;
            got->finish = events[i].finish;
        }
        mlavk_batch_get_stats(batch, &st);
        CHECK(st.pages_used + st.pages_free == st.pages_total);
        if (st.running == 0 && st.queued == 0)
            break;
    }
    CHECK(st.running == 0 && st.queued == 0 && st.pages_used == 0 && st.pages_free == st.pages_total);
    return st.prefix_hit_tokens - hits;
}

static void check_same(const collected *got, const collected *want, const char *what)
{
    CHECK_MSG(got->n == want->n && !memcmp(got->tokens, want->tokens, want->n * sizeof *want->tokens),
              "%s: %u tokens, not the %u it gives alone (or different ones)", what, got->n, want->n);
}

static int32_t *tokens_of(mlavk_engine *engine, const char *text, size_t *n)
{
    int32_t *ids = NULL;
    CHECK(mlavk_tokenize(mlavk_engine_tokenizer(engine), text, strlen(text), MLAVK_BOS_DEFAULT, &ids, n) ==
          MLAVK_OK);
    return ids;
}

int main(void)
{
    mlavk_engine *engine = NULL;
    CHECK(mlavk_engine_create(&(mlavk_engine_params){.n_ctx = 512, .kv_f32 = 1}, &engine) == MLAVK_OK);
    if (!engine)
        return test_finish("batch prefix");
    const char *system = "You are a player in a company of actors. Speak as the people of the play speak, in "
                         "verse where they use verse, and keep to the scene: Verona, a public place, the "
                         "houses of Montague and Capulet at odds, and the prince's word on their quarrel. Let no one "
                         "speak out of turn; let every answer follow what was said before it, and let the lovers "
                         "speak last, when the street is empty and the night has come.\n\n";
    char a_text[1024], b_text[1024];
    snprintf(a_text, sizeof a_text, "%sROMEO:", system);
    snprintf(b_text, sizeof b_text, "%sJULIET:\nO Romeo", system);
    const char *c_text = "First Citizen:\nBefore we proceed any further, hear me speak. You are all resolved "
                         "rather to die than to famish? Resolved. First, you know Caius Marcius is chief enemy "
                         "to the people. We know it, we know it. Let us kill him, and we'll have corn at our own "
                         "price. Is it a verdict? No more talking on it; let it be done: away, away! One word, good "
                         "citizens. We are accounted poor citizens, the patricians good. What authority surfeits "
                         "on would relieve us.";
    size_t n_a, n_b, n_c;
    int32_t *a = tokens_of(engine, a_text, &n_a), *b = tokens_of(engine, b_text, &n_b);
    int32_t *c = tokens_of(engine, c_text, &n_c);
    size_t common = 0;
    while (a && b && common < n_a && common < n_b && a[common] == b[common])
        common++;
    CHECK_MSG(common >= 2 * MLAVK_PAGE_TOKENS, "the shared system prompt is %zu tokens, not two pages", common);
    CHECK_MSG(n_c >= 2 * MLAVK_PAGE_TOKENS, "the other prompt is %zu tokens, not two pages", n_c);
    if (!a || !b || !c || common < 2 * MLAVK_PAGE_TOKENS || n_c < 2 * MLAVK_PAGE_TOKENS)
        goto done;
    collected want_a = alone(engine, a, n_a), want_b = alone(engine, b, n_b), want_c = alone(engine, c, n_c);

    mlavk_batch *batch = NULL;
    CHECK(mlavk_batch_create(engine, &(mlavk_batch_params){.max_seqs = 2}, &batch) == MLAVK_OK);
    collected got_a = {0}, got_b = {0}, again_a = {0};
    CHECK(run_one(batch, a, n_a, &got_a) == 0);
    check_same(&got_a, &want_a, "the first prompt");
    uint64_t hits = run_one(batch, b, n_b, &got_b);
    CHECK_MSG(hits == common / MLAVK_PAGE_TOKENS * MLAVK_PAGE_TOKENS, "%llu prefix-hit tokens for a shared "
              "prefix of %zu", (unsigned long long)hits, common);
    check_same(&got_b, &want_b, "a prompt with the same system prompt");
    hits = run_one(batch, a, n_a, &again_a);
    CHECK_MSG(hits == (n_a - 1) / MLAVK_PAGE_TOKENS * MLAVK_PAGE_TOKENS, "%llu prefix-hit tokens for a prompt "
              "of %zu seen before", (unsigned long long)hits, n_a);
    check_same(&again_a, &want_a, "the first prompt again");
    mlavk_batch_free(batch);

    /* A pool of just the pages one sequence takes: the second prompt needs the first one's kept pages. */
    size_t longest = (n_a > n_c ? n_a : n_c) + MAX_TOKENS;
    batch = NULL;
    CHECK(mlavk_batch_create(engine, &(mlavk_batch_params){.max_seqs = 1, .cache_tokens = (uint32_t)longest},
                             &batch) == MLAVK_OK);
    collected short_a = {0}, short_c = {0};
    CHECK(run_one(batch, a, n_a, &short_a) == 0);
    CHECK(run_one(batch, c, n_c, &short_c) == 0);
    check_same(&short_c, &want_c, "a prompt that evicts kept pages");
    CHECK(short_c.finish == MLAVK_FINISH_LENGTH);
    collected short_a_again = {0};
    CHECK_MSG(run_one(batch, a, n_a, &short_a_again) < (n_a - 1) / MLAVK_PAGE_TOKENS * MLAVK_PAGE_TOKENS,
              "every kept page of the first prompt survived a prompt that needed the whole pool");
    check_same(&short_a_again, &want_a, "the first prompt after its pages were evicted");
    mlavk_batch_free(batch);
done:
    free(a);
    free(b);
    free(c);
    mlavk_engine_free(engine);
    return test_finish("batch prefix");
}
