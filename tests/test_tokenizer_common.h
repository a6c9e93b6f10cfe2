/* Shared by the tokenizer tests: reading tests/data/tokenizer_golden.json. */
#ifndef MLAVK_TEST_TOKENIZER_COMMON_H
#define MLAVK_TEST_TOKENIZER_COMMON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlavk.h"
#include "tokenizer/tokenizer.h"

/* The parsed golden file, or NULL. */
cJSON *golden_load(const char *path);

/* For tests run as `test tokenizer.json tokenizer_golden.json`: loads both, recording a failure for a wrong
 * argument count or a file that does not load; true when both are ready. Release with golden_close either way. */
bool golden_open(int argc, char **argv, mlavk_tokenizer **tokenizer, cJSON **golden);
void golden_close(mlavk_tokenizer *tokenizer, cJSON *golden);

/* The bytes of a corpus entry: its "text", or its "hex" decoded (invalid UTF-8). malloc'ed; NULL if neither. */
char *golden_entry_bytes(const cJSON *entry, size_t *length);

/* Records a test failure (naming what and index) unless ids equal the JSON array want. */
void golden_compare_ids(const cJSON *want, const int32_t *ids, size_t count, const char *what, int index);

/* The vocabulary of a tokenizer.json as the arrays of GGUF tokenizer metadata (what convert_hf_to_gguf.py writes):
 * tokens by id, types (added tokens: special ones control, the others user-defined), merges "left right". The
 * strings point into root, which must outlive the arrays. vocab is ready for tok_load_gguf with pre
 * "deepseek-v3", BOS 0, EOS 1, add_bos absent. */
typedef struct golden_gguf_arrays {
    tok_gguf_vocab vocab;
    const char **tokens, **merges;
    size_t *token_lengths, *merge_lengths;
    int32_t *types;
    char **joined; /* merges given as ["left", "right"], joined with a space (owned) */
} golden_gguf_arrays;

bool golden_gguf_arrays_fill(const cJSON *root, golden_gguf_arrays *a);
void golden_gguf_arrays_free(golden_gguf_arrays *a);

#endif
