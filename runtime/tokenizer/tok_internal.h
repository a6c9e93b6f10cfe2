/* The tokenizer object, shared by the files of runtime/tokenizer only. */
#ifndef MLAVK_TOKENIZER_TOK_INTERNAL_H
#define MLAVK_TOKENIZER_TOK_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "tokenizer/tokenizer.h"

#define TOK_NO_ID UINT32_MAX
/* Words up to this many bytes (and ids) are remembered by the encoder's cache. */
#define TOK_CACHE_KEY_MAX 40
#define TOK_CACHE_IDS_MAX 12
#define TOK_CACHE_SLOTS 8192

typedef struct tok_merge_slot {
    uint64_t pair; /* left id << 32 | right id; UINT64_MAX when empty */
    uint32_t rank;
    uint32_t merged;
} tok_merge_slot;

typedef struct tok_added {
    uint32_t id;
    uint32_t offset, length; /* content in added_text */
    bool lstrip, rstrip, single_word;
} tok_added;

typedef struct tok_cache_entry {
    uint32_t hash;
    uint8_t key_length; /* 0: empty */
    uint8_t id_count;
    char key[TOK_CACHE_KEY_MAX];
    uint32_t ids[TOK_CACHE_IDS_MAX];
} tok_cache_entry;

typedef struct tok_symbol {
    uint32_t id;
    int32_t prev, next; /* -1 at the ends */
    bool alive;
} tok_symbol;

typedef struct tok_candidate {
    uint32_t rank;
    int32_t left;                /* symbol index */
    uint32_t left_id, right_id;  /* to notice that a neighbour changed since it was queued */
} tok_candidate;

typedef struct tok_ids {
    int32_t *ids;
    size_t count, capacity;
} tok_ids;

struct mlavk_tokenizer {
    char *source;
    char *chat_template;        /* the model file's own Jinja chat template, or NULL */
    char *chat_template_source; /* the file it came from */
    uint32_t token_count;
    char *pieces;            /* every token in the byte-level alphabet, back to back */
    uint32_t *piece_offset;  /* token_count + 1 */
    char *decoded;           /* every token as the bytes it decodes to */
    uint32_t *decoded_offset;
    uint8_t *types;
    uint32_t *vocab_slots;   /* open addressing: id + 1, 0 empty */
    uint32_t vocab_mask;
    tok_merge_slot *merge_slots;
    uint32_t merge_mask;
    uint32_t byte_token[256]; /* the token of each single byte, TOK_NO_ID if the vocabulary lacks it */
    tok_added *added;         /* sorted by first byte, then longest first */
    uint32_t added_count;
    char *added_text;
    uint32_t added_start[257]; /* added[added_start[b] .. added_start[b+1]) begin with byte b */
    int32_t bos_id, eos_id;
    bool add_bos;
    bool ignore_merges;       /* tok_vocab_desc.ignore_merges */
    bool lax_utf8;            /* tok_vocab_desc.lax_utf8 */
    bool nfc;                 /* tok_vocab_desc.nfc */
    const char *gguf_pre;     /* tok_vocab_desc.gguf_pre */
    uint32_t max_piece_length; /* the longest token string, in bytes */
    char *word_text;          /* ignore_merges scratch: a word in the byte-level alphabet (2 * max_piece_length) */
    pcre2_code **regexes;
    uint32_t regex_count;
    pcre2_match_data *match;
    tok_cache_entry *cache;
    tok_symbol *symbols;      /* BPE scratch, grown on demand */
    tok_candidate *heap;
    size_t symbol_capacity, heap_capacity;
};

uint32_t tok_hash(const char *bytes, size_t length);
/* The id of a byte-level token string, or TOK_NO_ID. */
uint32_t tok_vocab_find(const mlavk_tokenizer *tokenizer, const char *bytes, size_t length);
/* The merge of two adjacent tokens, or NULL when they never merge. */
const tok_merge_slot *tok_merge_find(const mlavk_tokenizer *tokenizer, uint32_t left, uint32_t right);

mlavk_status tok_ids_push(tok_ids *ids, int32_t id);

/* Appends the ids of one pre-tokenized word (raw bytes, before the byte-level mapping). */
mlavk_status tok_bpe_word(mlavk_tokenizer *tokenizer, const char *word, size_t length, tok_ids *out);

/* Appends the ids of text that holds no added token: valid UTF-8, or any bytes when the tokenizer reads invalid
 * UTF-8 as llama.cpp does. */
mlavk_status tok_encode_plain(mlavk_tokenizer *tokenizer, const char *text, size_t length, tok_ids *out);

/* Compiles the pre-tokenizer regexes (UTF, Unicode properties, JIT when available). */
mlavk_status tok_compile_regexes(mlavk_tokenizer *tokenizer, const tok_text *regexes, uint32_t count);

#endif
