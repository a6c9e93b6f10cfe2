/* Byte-pair encoding of one pre-tokenized word: merge the adjacent pair of lowest rank (leftmost on ties, as
 * HF does) until none is left; with ignore_merges, a word that is itself a token is that token. A min-heap keeps
 * this O(n log n); stale heap entries are skipped when popped. */
#include <stdlib.h>
#include <string.h>

#include "tokenizer/tok_internal.h"
#include "tokenizer/tok_utf8.h"
#include "util/status.h"

mlavk_status tok_ids_push(tok_ids *ids, int32_t id)
{
    if (ids->count == ids->capacity) {
        size_t capacity = ids->capacity ? 2 * ids->capacity : 64;
        int32_t *grown = realloc(ids->ids, capacity * sizeof *grown);
        if (!grown)
            return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "tokenizer: out of memory for token ids");
        ids->ids = grown;
        ids->capacity = capacity;
    }
    ids->ids[ids->count++] = id;
    return MLAVK_OK;
}

static bool candidate_before(const tok_candidate *a, const tok_candidate *b)
{
    return a->rank < b->rank || (a->rank == b->rank && a->left < b->left);
}

static void heap_push(tok_candidate *heap, size_t *count, tok_candidate item)
{
    size_t i = (*count)++;
    while (i > 0 && candidate_before(&item, &heap[(i - 1) / 2])) {
        heap[i] = heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    heap[i] = item;
}

static tok_candidate heap_pop(tok_candidate *heap, size_t *count)
{
    tok_candidate top = heap[0], last = heap[--*count];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= *count)
            break;
        if (child + 1 < *count && candidate_before(&heap[child + 1], &heap[child]))
            child++;
        if (!candidate_before(&heap[child], &last))
            break;
        heap[i] = heap[child];
        i = child;
    }
    if (*count > 0)
        heap[i] = last;
    return top;
}

static void queue_pair(const mlavk_tokenizer *t, int32_t left, size_t *heap_count)
{
    const tok_symbol *s = t->symbols;
    if (left < 0 || s[left].next < 0)
        return;
    const tok_merge_slot *merge = tok_merge_find(t, s[left].id, s[s[left].next].id);
    if (merge)
        heap_push(t->heap, heap_count,
                  (tok_candidate){.rank = merge->rank, .left = left, .left_id = s[left].id,
                                  .right_id = s[s[left].next].id});
}

static mlavk_status reserve_scratch(mlavk_tokenizer *t, size_t length)
{
    if (length <= t->symbol_capacity)
        return MLAVK_OK;
    /* Each merge queues at most two new pairs on top of the initial length - 1. */
    tok_symbol *symbols = realloc(t->symbols, length * sizeof *symbols);
    if (symbols)
        t->symbols = symbols;
    tok_candidate *heap = realloc(t->heap, 3 * length * sizeof *heap);
    if (heap)
        t->heap = heap;
    if (!symbols || !heap)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "tokenizer: out of memory for a %zu-byte word", length);
    t->symbol_capacity = length;
    t->heap_capacity = 3 * length;
    return MLAVK_OK;
}

/* HF's BPE without an unknown token drops a byte whose token is missing; so does this. */
static size_t initial_symbols(mlavk_tokenizer *t, const char *word, size_t length)
{
    size_t count = 0;
    for (size_t i = 0; i < length; i++) {
        uint32_t id = t->byte_token[(uint8_t)word[i]];
        if (id == TOK_NO_ID)
            continue;
        t->symbols[count] = (tok_symbol){.id = id, .prev = (int32_t)count - 1, .next = (int32_t)count + 1,
                                         .alive = true};
        count++;
    }
    if (count)
        t->symbols[count - 1].next = -1;
    return count;
}

static void merge_symbols(mlavk_tokenizer *t, size_t count)
{
    tok_symbol *s = t->symbols;
    size_t heap_count = 0;
    for (size_t i = 0; i + 1 < count; i++)
        queue_pair(t, (int32_t)i, &heap_count);
    while (heap_count > 0) {
        tok_candidate c = heap_pop(t->heap, &heap_count);
        tok_symbol *left = &s[c.left];
        if (!left->alive || left->id != c.left_id || left->next < 0 || s[left->next].id != c.right_id)
            continue; /* a neighbour merged since this pair was queued */
        tok_symbol *right = &s[left->next];
        left->id = tok_merge_find(t, c.left_id, c.right_id)->merged;
        right->alive = false;
        left->next = right->next;
        if (right->next >= 0)
            s[right->next].prev = c.left;
        queue_pair(t, left->prev, &heap_count);
        queue_pair(t, c.left, &heap_count);
    }
}

static tok_cache_entry *cache_slot(mlavk_tokenizer *t, const char *word, size_t length, uint32_t *hash)
{
    *hash = tok_hash(word, length);
    return &t->cache[*hash & (TOK_CACHE_SLOTS - 1)];
}

/* The id of the whole word when it is one token (ignore_merges), else TOK_NO_ID. */
static uint32_t whole_word_token(mlavk_tokenizer *t, const char *word, size_t length)
{
    if (length > t->max_piece_length)
        return TOK_NO_ID; /* its byte-level form is at least as long */
    size_t n = 0;
    for (size_t i = 0; i < length; i++)
        n += tok_utf8_encode(tok_byte_to_codepoint((uint8_t)word[i]), t->word_text + n);
    return tok_vocab_find(t, t->word_text, n);
}

mlavk_status tok_bpe_word(mlavk_tokenizer *t, const char *word, size_t length, tok_ids *out)
{
    uint32_t hash = 0;
    tok_cache_entry *cached = NULL;
    if (length <= TOK_CACHE_KEY_MAX) {
        cached = cache_slot(t, word, length, &hash);
        if (cached->key_length == length && cached->hash == hash && memcmp(cached->key, word, length) == 0) {
            for (uint32_t i = 0; i < cached->id_count; i++)
                MLAVK_TRY(tok_ids_push(out, (int32_t)cached->ids[i]));
            return MLAVK_OK;
        }
    }
    size_t first = out->count;
    uint32_t whole = t->ignore_merges && length > 0 ? whole_word_token(t, word, length) : TOK_NO_ID;
    if (whole != TOK_NO_ID) {
        MLAVK_TRY(tok_ids_push(out, (int32_t)whole));
    } else {
        MLAVK_TRY(reserve_scratch(t, length));
        size_t count = initial_symbols(t, word, length);
        merge_symbols(t, count);
        for (int32_t i = count ? 0 : -1; i >= 0; i = t->symbols[i].next)
            MLAVK_TRY(tok_ids_push(out, (int32_t)t->symbols[i].id));
    }
    size_t produced = out->count - first;
    if (cached && length > 0 && produced <= TOK_CACHE_IDS_MAX) {
        cached->hash = hash;
        cached->key_length = (uint8_t)length;
        cached->id_count = (uint8_t)produced;
        memcpy(cached->key, word, length);
        for (size_t i = 0; i < produced; i++)
            cached->ids[i] = (uint32_t)out->ids[first + i];
    }
    return MLAVK_OK;
}
