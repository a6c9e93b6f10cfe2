/* Byte-level BPE tokenizer (DeepSeek V2/V3 and the other families of llama.cpp's deepseek2 files). Built from a
 * vocabulary description that does not depend on the file it came from; tokenizer.json and GGUF metadata each have
 * a loader that fills one. The public API
 * (mlavk_tokenize, mlavk_detokenize, ...) is declared in mlavk.h. */
#ifndef MLAVK_TOKENIZER_TOKENIZER_H
#define MLAVK_TOKENIZER_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlavk.h"

/* Token types, numbered as GGUF's tokenizer.ggml.token_type (llama.cpp's llama_token_type). */
enum tok_type {
    TOK_TYPE_UNDEFINED = 0,
    TOK_TYPE_NORMAL = 1,
    TOK_TYPE_UNKNOWN = 2,
    TOK_TYPE_CONTROL = 3,      /* special tokens: <｜begin▁of▁sentence｜> */
    TOK_TYPE_USER_DEFINED = 4, /* added tokens that are not special: <｜User｜> */
    TOK_TYPE_UNUSED = 5,
    TOK_TYPE_BYTE = 6,
};

typedef struct tok_text {
    const char *bytes;
    size_t length;
} tok_text;

/* A token matched in the raw text before pre-tokenization, as tokenizer.json's added_tokens describe it. */
typedef struct tok_added_token {
    uint32_t id;
    tok_text content;
    bool special;
    bool lstrip, rstrip; /* the match also swallows the whitespace to its left / right */
    bool single_word;    /* only matches when no word character touches it */
} tok_added_token;

typedef struct tok_vocab_desc {
    const char *source; /* file name used in error messages */
    /* tokens[id] in the byte-level alphabet; an id with no token has bytes == NULL. */
    uint32_t token_count;
    const tok_text *tokens;
    const uint8_t *token_types; /* token_count entries of enum tok_type, or NULL for all normal */
    /* merges[2 * rank] and merges[2 * rank + 1]: the pair merged with that rank (lower merges first). */
    uint32_t merge_count;
    const tok_text *merges;
    uint32_t added_count;
    const tok_added_token *added;
    int64_t bos_id, eos_id; /* -1 when absent */
    bool add_bos;
    /* The pre-tokenizer: each regex splits every piece the previous ones left ("Isolated": matches and the
     * text between them both become pieces); then the pieces are shown in the byte-level alphabet. */
    uint32_t split_count;
    const tok_text *split_regexes;
    /* A pre-tokenized word that is itself a token becomes that token without merging (llama.cpp's
     * ignore_merges, HF's BPE ignore_merges). */
    bool ignore_merges;
    /* Text that is not valid UTF-8 is read as llama.cpp reads it (tok_utf8_read_lax) instead of with each maximal
     * invalid subsequence replaced by U+FFFD as Hugging Face does (tok_utf8_repair). */
    bool lax_utf8;
    /* The text between added tokens is put in Unicode NFC before pre-tokenization (tokenizer.json's NFC
     * normalizer, Qwen2's). llama.cpp's GGUF tokenizers never normalize. */
    bool nfc;
    /* The GGUF tokenizer.ggml.pre name llama.cpp's converter gives this pre-tokenizer, NULL when none is known
     * (a static string). */
    const char *gguf_pre;
} tok_vocab_desc;

mlavk_status tok_build(const tok_vocab_desc *desc, mlavk_tokenizer **tokenizer);

/* Parses tokenizer.json (and tokenizer_config.json when config is not NULL) held in memory. Each may be
 * untrusted: anything malformed is an MLAVK_ERR_FORMAT naming the file (json_name, config_name). */
mlavk_status tok_load_json_text(const char *json, size_t json_length, const char *json_name, const char *config,
                                size_t config_length, const char *config_name, mlavk_tokenizer **tokenizer);

/* The tokenizer.ggml.pre name of a tokenizer read from tokenizer.json (Llama 3's "llama-bpe" or Qwen2's "qwen2",
 * told by its Split regex), NULL when its pre-tokenizer is neither. */
const char *tok_gguf_pre(const mlavk_tokenizer *tokenizer);

/* Writes a tokenizer read from tokenizer.json as llama.cpp's converter writes it into GGUF (tokenizer.ggml.*: model
 * "gpt2", pre, tokens padded to n_vocab with "[PAD<id>]", token types, merges, BOS/EOS ids (the tokenizer's, else
 * config_bos / config_eos when >= 0), add_bos_token; tokenizer.chat_template). */
struct gguf_out;
mlavk_status tok_write_gguf(const mlavk_tokenizer *tokenizer, uint32_t n_vocab, int64_t config_bos,
                            int64_t config_eos, struct gguf_out *out);

/* GGUF tokenizer metadata, filled by the GGUF reader (which owns every array; the tokenizer copies what it
 * keeps). Strings are not NUL-terminated; lengths are in bytes. */
typedef struct tok_gguf_vocab {
    const char *source;                             /* the GGUF file name, for messages */
    const char *model;                              /* tokenizer.ggml.model: must be "gpt2" */
    const char *pre;                                /* tokenizer.ggml.pre: a name tok_pre_family_find knows */
    size_t token_count;                             /* tokenizer.ggml.tokens */
    const char *const *tokens;
    const size_t *token_lengths;
    const int32_t *token_types;                     /* tokenizer.ggml.token_type: token_count entries or NULL */
    size_t merge_count;                             /* tokenizer.ggml.merges: "left right" */
    const char *const *merges;
    const size_t *merge_lengths;
    int64_t bos_id, eos_id;                         /* tokenizer.ggml.bos_token_id / eos_token_id, -1 absent */
    int add_bos;                                    /* tokenizer.ggml.add_bos_token: 0, 1, or -1 absent */
} tok_gguf_vocab;

/* Control tokens become special added tokens and user-defined ones plain added tokens, as llama.cpp does;
 * add_bos absent means what llama.cpp sets for the pre name (llama-bpe yes, qwen2 no), else "yes" when there is a
 * BOS token (HF's default for DeepSeek). The text is split as
 * llama.cpp splits it for that pre name, and invalid UTF-8 is read as llama.cpp reads it. */
mlavk_status tok_load_gguf(const tok_gguf_vocab *vocab, mlavk_tokenizer **tokenizer);

/* The tokenizer in a GGUF file's tokenizer.ggml.* metadata (and its chat template), whatever its architecture;
 * path for messages. */
struct gguf_file;
mlavk_status tok_load_gguf_metadata(const struct gguf_file *gguf, const char *path, mlavk_tokenizer **tokenizer);

/* The tokenizer of an opened model: its GGUF metadata or its HF tokenizer.json; path for messages. */
struct model_files;
mlavk_status tok_load_model_files(const struct model_files *files, const char *path, mlavk_tokenizer **tokenizer);

/* A GGUF tokenizer.ggml.pre name and how llama.cpp (src/llama-vocab.cpp, src/unicode.cpp) pre-tokenizes for it. */
typedef struct tok_pre_family {
    const char *name;
    uint32_t split_count;
    const tok_text *split_regexes; /* PCRE2 patterns that split exactly as llama.cpp does (see tok_gguf.c) */
    bool ignore_merges;
    int add_bos; /* without tokenizer.ggml.add_bos_token: 1 or 0 as llama.cpp sets it, -1 "when there is a BOS" */
} tok_pre_family;

/* The family of a tokenizer.ggml.pre name, or NULL when the name is unknown. */
const tok_pre_family *tok_pre_family_find(const char *pre);

/* Every known family (count of them in *count), for messages and tests. */
const tok_pre_family *tok_pre_families(uint32_t *count);

#endif
