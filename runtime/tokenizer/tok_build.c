/* Builds the tokenizer object from a vocabulary description: lookup tables, merge ranks, added tokens, the
 * decoded bytes of every token, compiled pre-tokenizer regexes. */
#include <stdlib.h>
#include <string.h>

#include "tokenizer/tok_internal.h"
#include "tokenizer/tok_utf8.h"
#include "util/status.h"

/* Ids beyond this are treated as a corrupt file rather than a vocabulary (the largest known is ~260k). */
#define TOK_MAX_TOKENS (1u << 24)

uint32_t tok_hash(const char *bytes, size_t length)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < length; i++)
        h = (h ^ (uint8_t)bytes[i]) * 16777619u;
    return h;
}

static uint32_t table_size_for(uint32_t count)
{
    uint32_t size = 16;
    while (size < 2 * (uint64_t)count)
        size *= 2;
    return size;
}

uint32_t tok_vocab_find(const mlavk_tokenizer *t, const char *bytes, size_t length)
{
    for (uint32_t slot = tok_hash(bytes, length) & t->vocab_mask;; slot = (slot + 1) & t->vocab_mask) {
        uint32_t entry = t->vocab_slots[slot];
        if (entry == 0)
            return TOK_NO_ID;
        uint32_t id = entry - 1;
        uint32_t start = t->piece_offset[id];
        if (t->piece_offset[id + 1] - start == length && memcmp(t->pieces + start, bytes, length) == 0)
            return id;
    }
}

static uint32_t pair_slot(uint64_t pair, uint32_t mask)
{
    pair *= 0x9E3779B97F4A7C15ull;
    return (uint32_t)(pair >> 32) & mask;
}

const tok_merge_slot *tok_merge_find(const mlavk_tokenizer *t, uint32_t left, uint32_t right)
{
    uint64_t pair = (uint64_t)left << 32 | right;
    for (uint32_t slot = pair_slot(pair, t->merge_mask);; slot = (slot + 1) & t->merge_mask) {
        const tok_merge_slot *entry = &t->merge_slots[slot];
        if (entry->pair == pair)
            return entry;
        if (entry->pair == UINT64_MAX)
            return NULL;
    }
}

static mlavk_status out_of_memory(const char *source)
{
    return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory building the tokenizer", source);
}

static mlavk_status build_pieces(mlavk_tokenizer *t, const tok_vocab_desc *desc)
{
    uint64_t total = 0;
    for (uint32_t id = 0; id < desc->token_count; id++)
        total += desc->tokens[id].length;
    if (total > UINT32_MAX / 2)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: the vocabulary's strings are too large", desc->source);
    t->pieces = malloc(total ? total : 1);
    t->piece_offset = malloc(((size_t)desc->token_count + 1) * sizeof *t->piece_offset);
    t->types = malloc(desc->token_count);
    t->vocab_mask = table_size_for(desc->token_count) - 1;
    t->vocab_slots = calloc((size_t)t->vocab_mask + 1, sizeof *t->vocab_slots);
    if (!t->pieces || !t->piece_offset || !t->types || !t->vocab_slots)
        return out_of_memory(desc->source);
    uint32_t offset = 0;
    for (uint32_t id = 0; id < desc->token_count; id++) {
        const tok_text *token = &desc->tokens[id];
        t->piece_offset[id] = offset;
        t->types[id] = desc->token_types ? desc->token_types[id] : TOK_TYPE_NORMAL;
        if (token->bytes == NULL)
            continue;
        /* Keep the first id of a duplicated string, as a dictionary would have held only one. */
        if (tok_vocab_find(t, token->bytes, token->length) != TOK_NO_ID)
            continue;
        memcpy(t->pieces + offset, token->bytes, token->length);
        offset += (uint32_t)token->length;
        t->piece_offset[id + 1] = offset;
        uint32_t slot = tok_hash(token->bytes, token->length) & t->vocab_mask;
        while (t->vocab_slots[slot])
            slot = (slot + 1) & t->vocab_mask;
        t->vocab_slots[slot] = id + 1;
    }
    t->piece_offset[desc->token_count] = offset;
    for (uint32_t id = 0; id < desc->token_count; id++) {
        uint32_t length = t->piece_offset[id + 1] - t->piece_offset[id];
        t->max_piece_length = length > t->max_piece_length ? length : t->max_piece_length;
    }
    t->word_text = malloc(2 * (size_t)t->max_piece_length + 1);
    if (!t->word_text)
        return out_of_memory(desc->source);
    return MLAVK_OK;
}

static mlavk_status build_merges(mlavk_tokenizer *t, const tok_vocab_desc *desc)
{
    t->merge_mask = table_size_for(desc->merge_count) - 1;
    t->merge_slots = malloc(((size_t)t->merge_mask + 1) * sizeof *t->merge_slots);
    if (!t->merge_slots)
        return out_of_memory(desc->source);
    memset(t->merge_slots, 0xFF, ((size_t)t->merge_mask + 1) * sizeof *t->merge_slots);
    char *joined = NULL;
    size_t joined_capacity = 0;
    for (uint32_t rank = 0; rank < desc->merge_count; rank++) {
        const tok_text *left = &desc->merges[2 * rank], *right = &desc->merges[2 * rank + 1];
        size_t length = left->length + right->length;
        if (length > joined_capacity) {
            char *grown = realloc(joined, length);
            if (!grown) {
                free(joined);
                return out_of_memory(desc->source);
            }
            joined = grown;
            joined_capacity = length;
        }
        memcpy(joined, left->bytes, left->length);
        memcpy(joined + left->length, right->bytes, right->length);
        uint32_t left_id = tok_vocab_find(t, left->bytes, left->length);
        uint32_t right_id = tok_vocab_find(t, right->bytes, right->length);
        uint32_t merged = tok_vocab_find(t, joined, length);
        if (left_id == TOK_NO_ID || right_id == TOK_NO_ID || merged == TOK_NO_ID) {
            free(joined);
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: merge %u joins or makes a token that is not in the vocabulary",
                              desc->source, rank);
        }
        uint64_t pair = (uint64_t)left_id << 32 | right_id;
        uint32_t slot = pair_slot(pair, t->merge_mask);
        while (t->merge_slots[slot].pair != UINT64_MAX && t->merge_slots[slot].pair != pair)
            slot = (slot + 1) & t->merge_mask;
        if (t->merge_slots[slot].pair == pair)
            continue; /* a repeated merge keeps its first (lower) rank */
        t->merge_slots[slot] = (tok_merge_slot){.pair = pair, .rank = rank, .merged = merged};
    }
    free(joined);
    return MLAVK_OK;
}

static int compare_added(const void *a, const void *b, const char *text)
{
    const tok_added *x = a, *y = b;
    uint8_t fx = (uint8_t)text[x->offset], fy = (uint8_t)text[y->offset];
    if (fx != fy)
        return fx < fy ? -1 : 1;
    if (x->length != y->length)
        return x->length > y->length ? -1 : 1; /* longest first: HF matches the longest added token */
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Insertion sort: qsort has no context argument in C11 and there are only hundreds of added tokens. */
static void sort_added(tok_added *added, uint32_t count, const char *text)
{
    for (uint32_t i = 1; i < count; i++) {
        tok_added item = added[i];
        uint32_t j = i;
        while (j > 0 && compare_added(&added[j - 1], &item, text) > 0) {
            added[j] = added[j - 1];
            j--;
        }
        added[j] = item;
    }
}

static mlavk_status build_added(mlavk_tokenizer *t, const tok_vocab_desc *desc)
{
    size_t total = 0;
    for (uint32_t i = 0; i < desc->added_count; i++) {
        const tok_added_token *a = &desc->added[i];
        if (a->id >= desc->token_count)
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: added token %u has id %u beyond the vocabulary", desc->source,
                              i, a->id);
        /* Valid UTF-8 keeps every split the added tokens make on a character boundary. */
        if (a->content.length == 0 || a->content.length > 4096 || !tok_utf8_valid(a->content.bytes, a->content.length))
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: added token %u has an empty, oversized or non-UTF-8 content",
                              desc->source, i);
        total += a->content.length;
    }
    t->added = calloc(desc->added_count ? desc->added_count : 1, sizeof *t->added);
    t->added_text = malloc(total ? total : 1);
    if (!t->added || !t->added_text)
        return out_of_memory(desc->source);
    uint32_t offset = 0;
    for (uint32_t i = 0; i < desc->added_count; i++) {
        const tok_added_token *a = &desc->added[i];
        memcpy(t->added_text + offset, a->content.bytes, a->content.length);
        t->added[i] = (tok_added){.id = a->id, .offset = offset, .length = (uint32_t)a->content.length,
                                  .lstrip = a->lstrip, .rstrip = a->rstrip, .single_word = a->single_word};
        t->types[a->id] = a->special ? TOK_TYPE_CONTROL : TOK_TYPE_USER_DEFINED;
        offset += (uint32_t)a->content.length;
    }
    t->added_count = desc->added_count;
    sort_added(t->added, t->added_count, t->added_text);
    uint32_t i = 0;
    for (uint32_t byte = 0; byte <= 256; byte++) {
        while (i < t->added_count && (uint8_t)t->added_text[t->added[i].offset] < byte)
            i++;
        t->added_start[byte] = byte == 256 ? t->added_count : i;
    }
    return MLAVK_OK;
}

/* Maps text from the byte-level alphabet back to bytes; false when some character is not in the alphabet. */
static bool bytes_of_alphabet_text(const char *text, size_t length, char *out, size_t *written)
{
    size_t i = 0, subpart;
    *written = 0;
    while (i < length) {
        const uint8_t *p = (const uint8_t *)text + i;
        size_t n = tok_utf8_sequence(p, length - i, &subpart);
        if (n == 0 || n > 2)
            return false; /* the alphabet ends at U+0143, which takes 2 UTF-8 bytes */
        uint32_t cp = n == 1 ? p[0] : (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
        int byte = tok_codepoint_to_byte(cp);
        if (byte < 0)
            return false;
        out[(*written)++] = (char)byte;
        i += n;
    }
    return true;
}

/* HF's ByteLevel decoder: a token whose every character is in the byte-level alphabet becomes those bytes;
 * any other token (added tokens such as <｜User｜>) is kept as its own text. */
static size_t decode_token_text(const char *text, size_t length, char *out)
{
    size_t written;
    if (bytes_of_alphabet_text(text, length, out, &written))
        return written;
    memcpy(out, text, length);
    return length;
}

static mlavk_status build_decoded(mlavk_tokenizer *t)
{
    tok_text *source = calloc(t->token_count, sizeof *source);
    size_t total = t->piece_offset[t->token_count];
    for (uint32_t i = 0; i < t->added_count; i++)
        total += t->added[i].length;
    t->decoded = malloc(total ? total : 1);
    t->decoded_offset = malloc(((size_t)t->token_count + 1) * sizeof *t->decoded_offset);
    if (!source || !t->decoded || !t->decoded_offset) {
        free(source);
        return out_of_memory(t->source);
    }
    for (uint32_t id = 0; id < t->token_count; id++)
        source[id] = (tok_text){t->pieces + t->piece_offset[id], t->piece_offset[id + 1] - t->piece_offset[id]};
    for (uint32_t i = 0; i < t->added_count; i++)
        source[t->added[i].id] = (tok_text){t->added_text + t->added[i].offset, t->added[i].length};
    uint32_t offset = 0;
    for (uint32_t id = 0; id < t->token_count; id++) {
        t->decoded_offset[id] = offset;
        offset += (uint32_t)decode_token_text(source[id].bytes, source[id].length, t->decoded + offset);
    }
    t->decoded_offset[t->token_count] = offset;
    free(source);
    return MLAVK_OK;
}

static void find_byte_tokens(mlavk_tokenizer *t)
{
    for (uint32_t byte = 0; byte < 256; byte++) {
        char text[4];
        size_t length = tok_utf8_encode(tok_byte_to_codepoint((uint8_t)byte), text);
        t->byte_token[byte] = tok_vocab_find(t, text, length);
    }
}

static mlavk_status check_special_id(const tok_vocab_desc *desc, int64_t id, const char *what)
{
    if (id < -1 || id >= (int64_t)desc->token_count)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: the %s token id %lld is outside the vocabulary", desc->source,
                          what, (long long)id);
    return MLAVK_OK;
}

static mlavk_status build_all(mlavk_tokenizer *t, const tok_vocab_desc *desc)
{
    if (desc->token_count == 0 || desc->token_count > TOK_MAX_TOKENS)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: the vocabulary has %u tokens", desc->source, desc->token_count);
    MLAVK_TRY(check_special_id(desc, desc->bos_id, "BOS"));
    MLAVK_TRY(check_special_id(desc, desc->eos_id, "EOS"));
    t->token_count = desc->token_count;
    t->bos_id = (int32_t)desc->bos_id;
    t->eos_id = (int32_t)desc->eos_id;
    t->add_bos = desc->add_bos && desc->bos_id >= 0;
    t->ignore_merges = desc->ignore_merges;
    t->lax_utf8 = desc->lax_utf8;
    t->nfc = desc->nfc;
    t->gguf_pre = desc->gguf_pre;
    MLAVK_TRY(build_pieces(t, desc));
    MLAVK_TRY(build_merges(t, desc));
    MLAVK_TRY(build_added(t, desc));
    MLAVK_TRY(build_decoded(t));
    find_byte_tokens(t);
    MLAVK_TRY(tok_compile_regexes(t, desc->split_regexes, desc->split_count));
    t->cache = calloc(TOK_CACHE_SLOTS, sizeof *t->cache);
    if (!t->cache)
        return out_of_memory(desc->source);
    return MLAVK_OK;
}

mlavk_status tok_build(const tok_vocab_desc *desc, mlavk_tokenizer **tokenizer)
{
    *tokenizer = NULL;
    mlavk_tokenizer *t = calloc(1, sizeof *t);
    if (!t)
        return out_of_memory(desc->source);
    t->source = strdup(desc->source ? desc->source : "tokenizer");
    if (!t->source) {
        free(t);
        return out_of_memory(desc->source);
    }
    mlavk_status status = build_all(t, desc);
    if (status != MLAVK_OK) {
        mlavk_tokenizer_free(t);
        return status;
    }
    *tokenizer = t;
    return MLAVK_OK;
}

void mlavk_tokenizer_free(mlavk_tokenizer *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i < t->regex_count; i++)
        pcre2_code_free(t->regexes[i]);
    free(t->regexes);
    pcre2_match_data_free(t->match);
    free(t->source);
    free(t->chat_template);
    free(t->chat_template_source);
    free(t->pieces);
    free(t->piece_offset);
    free(t->decoded);
    free(t->decoded_offset);
    free(t->types);
    free(t->vocab_slots);
    free(t->merge_slots);
    free(t->added);
    free(t->added_text);
    free(t->cache);
    free(t->symbols);
    free(t->heap);
    free(t->word_text);
    free(t);
}
