/* A tokenizer built from GGUF-style arrays (what the GGUF reader hands over) encodes the golden corpus to the
 * same ids as tokenizer.json, invalid UTF-8 aside (a GGUF tokenizer reads it as llama.cpp does, which
 * test_tokenizer_families.c checks); the deepseek-llm (V2) pre-tokenizer loads and round-trips; bad arrays are
 * refused. The arrays are made here from the V3 tokenizer.json, as convert_hf_to_gguf.py would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_tokenizer_common.h"
#include "test_util.h"
#include "tokenizer/tokenizer.h"

static void check_golden(const tok_gguf_vocab *vocab, const cJSON *golden)
{
    mlavk_tokenizer *t;
    mlavk_status status = tok_load_gguf(vocab, &t);
    CHECK_MSG(status == MLAVK_OK, "gguf load: %s", mlavk_last_error());
    if (status != MLAVK_OK)
        return;
    CHECK(mlavk_tokenizer_adds_bos(t) && mlavk_tokenizer_bos(t) == 0 && mlavk_tokenizer_eos(t) == 1);
    int index = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(golden, "strings")) {
        if (!cJSON_GetObjectItemCaseSensitive(entry, "text")) {
            index++; /* a hex entry: invalid UTF-8 */
            continue;
        }
        size_t length;
        char *text = golden_entry_bytes(entry, &length);
        int32_t *ids = NULL;
        size_t count = 0;
        CHECK(text && mlavk_tokenize(t, text, length, 0, &ids, &count) == MLAVK_OK);
        golden_compare_ids(cJSON_GetObjectItemCaseSensitive(entry, "ids"), ids, count, "gguf entry", index++);
        free(ids);
        free(text);
    }
    mlavk_tokenizer_free(t);
}

/* No reference ids for V2's pre-tokenizer here: check that it compiles and keeps text intact. */
static void check_deepseek_llm(tok_gguf_vocab vocab)
{
    vocab.pre = "deepseek-llm";
    mlavk_tokenizer *t;
    mlavk_status status = tok_load_gguf(&vocab, &t);
    CHECK_MSG(status == MLAVK_OK, "deepseek-llm: %s", mlavk_last_error());
    if (status != MLAVK_OK)
        return;
    const char *text = "Hello, World! 12345 你好 Привет\n\n  end  ";
    int32_t *ids;
    size_t count, length;
    char *decoded;
    CHECK(mlavk_tokenize(t, text, strlen(text), 1, &ids, &count) == MLAVK_OK && ids[0] == 0);
    CHECK(mlavk_detokenize(t, ids + 1, count - 1, &decoded, &length) == MLAVK_OK && strcmp(decoded, text) == 0);
    free(decoded);
    free(ids);
    mlavk_tokenizer_free(t);
}

static void check_refusals(tok_gguf_vocab vocab)
{
    mlavk_tokenizer *t;
    tok_gguf_vocab bad = vocab;
    bad.model = "llama";
    CHECK(tok_load_gguf(&bad, &t) == MLAVK_ERR_UNSUPPORTED && strstr(mlavk_last_error(), "tokenizer.ggml.model"));
    bad = vocab;
    bad.pre = "falcon";
    CHECK(tok_load_gguf(&bad, &t) == MLAVK_ERR_UNSUPPORTED && strstr(mlavk_last_error(), "tokenizer.ggml.pre"));
    bad = vocab;
    const char *merge = "nospace";
    size_t merge_length = strlen(merge);
    bad.merges = &merge;
    bad.merge_lengths = &merge_length;
    bad.merge_count = 1;
    CHECK(tok_load_gguf(&bad, &t) == MLAVK_ERR_FORMAT && strstr(mlavk_last_error(), "merges[0]"));
    bad = vocab;
    bad.bos_id = (int64_t)vocab.token_count;
    CHECK(tok_load_gguf(&bad, &t) == MLAVK_ERR_FORMAT && strstr(mlavk_last_error(), "BOS"));
    CHECK(t == NULL);
}

int main(int argc, char **argv)
{
    CHECK_MSG(argc == 3, "usage: %s tokenizer.json tokenizer_golden.json", argv[0]);
    if (argc != 3)
        return test_finish("tokenizer_gguf");
    cJSON *root = golden_load(argv[1]), *golden = golden_load(argv[2]);
    golden_gguf_arrays a = {0};
    CHECK(root && golden && golden_gguf_arrays_fill(root, &a));
    if (root && golden && a.tokens) {
        check_golden(&a.vocab, golden);
        check_deepseek_llm(a.vocab);
        check_refusals(a.vocab);
    }
    golden_gguf_arrays_free(&a);
    cJSON_Delete(root);
    cJSON_Delete(golden);
    return test_finish("tokenizer_gguf");
}
