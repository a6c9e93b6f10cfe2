/* A tokenizer built from GGUF-style arrays (what the GGUF reader hands over) encodes the golden corpus to the
 * same ids as tokenizer.json; the deepseek-llm (V2) pre-tokenizer loads and round-trips; bad arrays are
 * refused. The arrays are made here from the V3 tokenizer.json, as convert_hf_to_gguf.py would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_tokenizer_common.h"
#include "test_util.h"
#include "tokenizer/tokenizer.h"

typedef struct gguf_arrays {
    tok_gguf_vocab vocab;
    const char **tokens, **merges;
    size_t *token_lengths, *merge_lengths;
    int32_t *types;
} gguf_arrays;

static int fill_arrays(const cJSON *root, gguf_arrays *a)
{
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    const cJSON *vocab = cJSON_GetObjectItemCaseSensitive(model, "vocab");
    const cJSON *merges = cJSON_GetObjectItemCaseSensitive(model, "merges");
    const cJSON *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    size_t count = 0, merge_count = (size_t)cJSON_GetArraySize(merges);
    const cJSON *item;
    cJSON_ArrayForEach(item, added) if ((size_t)cJSON_GetObjectItemCaseSensitive(item, "id")->valueint + 1 > count)
        count = (size_t)cJSON_GetObjectItemCaseSensitive(item, "id")->valueint + 1;
    a->tokens = calloc(count, sizeof *a->tokens);
    a->token_lengths = calloc(count, sizeof *a->token_lengths);
    a->types = calloc(count, sizeof *a->types);
    a->merges = calloc(merge_count, sizeof *a->merges);
    a->merge_lengths = calloc(merge_count, sizeof *a->merge_lengths);
    if (!a->tokens || !a->token_lengths || !a->types || !a->merges || !a->merge_lengths)
        return 0;
    cJSON_ArrayForEach(item, vocab) {
        a->tokens[item->valueint] = item->string;
        a->types[item->valueint] = TOK_TYPE_NORMAL;
    }
    cJSON_ArrayForEach(item, added) {
        int id = cJSON_GetObjectItemCaseSensitive(item, "id")->valueint;
        a->tokens[id] = cJSON_GetObjectItemCaseSensitive(item, "content")->valuestring;
        a->types[id] = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "special")) ? TOK_TYPE_CONTROL
                                                                                       : TOK_TYPE_USER_DEFINED;
    }
    for (size_t id = 0; id < count; id++)
        a->token_lengths[id] = a->tokens[id] ? strlen(a->tokens[id]) : 0;
    size_t rank = 0;
    cJSON_ArrayForEach(item, merges) {
        a->merges[rank] = item->valuestring;
        a->merge_lengths[rank++] = strlen(item->valuestring);
    }
    a->vocab = (tok_gguf_vocab){.source = "test.gguf", .model = "gpt2", .pre = "deepseek-v3", .token_count = count,
                                .tokens = a->tokens, .token_lengths = a->token_lengths, .token_types = a->types,
                                .merge_count = merge_count, .merges = a->merges, .merge_lengths = a->merge_lengths,
                                .bos_id = 0, .eos_id = 1, .add_bos = -1};
    return 1;
}

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
    bad.pre = "qwen2";
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
    gguf_arrays a = {0};
    CHECK(root && golden && fill_arrays(root, &a));
    if (root && golden && a.tokens) {
        check_golden(&a.vocab, golden);
        check_deepseek_llm(a.vocab);
        check_refusals(a.vocab);
    }
    free(a.tokens);
    free(a.token_lengths);
    free(a.types);
    free(a.merges);
    free(a.merge_lengths);
    cJSON_Delete(root);
    cJSON_Delete(golden);
    return test_finish("tokenizer_gguf");
}
