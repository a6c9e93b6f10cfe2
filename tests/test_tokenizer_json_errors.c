/* tokenizer.json and tokenizer_config.json are untrusted: every malformed, mistyped or missing field is an
 * error status with a one-line message naming the file and the problem, never a crash. */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "tokenizer/tokenizer.h"

#define BYTE_LEVEL "\"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": false}"
#define MODEL "\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\"]}"
#define VALID "{" MODEL ", " BYTE_LEVEL "}"
#define WITH_PRE(pre) "{" MODEL ", \"pre_tokenizer\": " pre "}"
#define WITH_MODEL(model) "{\"model\": " model ", " BYTE_LEVEL "}"

typedef struct bad_case {
    const char *json, *config;
    mlavk_status status;
    const char *message; /* a part of the error message */
} bad_case;

static const bad_case cases[] = {
    {"", NULL, MLAVK_ERR_FORMAT, "tokenizer.json: not valid JSON"},
    {"[1, 2]", NULL, MLAVK_ERR_FORMAT, "not a JSON object"},
    {"{\"model\": ", NULL, MLAVK_ERR_FORMAT, "not valid JSON"},
    {"{}", NULL, MLAVK_ERR_FORMAT, "no \"model\" section"},
    {"{\"model\": 3}", NULL, MLAVK_ERR_FORMAT, "no \"model\" section"},
    {WITH_MODEL("{\"type\": \"Unigram\"}"), NULL, MLAVK_ERR_UNSUPPORTED, "not BPE"},
    {WITH_MODEL("{\"vocab\": [], \"merges\": []}"), NULL, MLAVK_ERR_FORMAT, "\"model.vocab\""},
    {WITH_MODEL("{\"vocab\": {}, \"merges\": []}"), NULL, MLAVK_ERR_FORMAT, "vocabulary is empty"},
    {WITH_MODEL("{\"vocab\": {\"a\": -1}, \"merges\": []}"), NULL, MLAVK_ERR_FORMAT, "no valid id"},
    {WITH_MODEL("{\"vocab\": {\"a\": 1.5}, \"merges\": []}"), NULL, MLAVK_ERR_FORMAT, "no valid id"},
    {WITH_MODEL("{\"vocab\": {\"a\": 1e12}, \"merges\": []}"), NULL, MLAVK_ERR_FORMAT, "no valid id"},
    {WITH_MODEL("{\"vocab\": {\"a\": \"0\"}, \"merges\": []}"), NULL, MLAVK_ERR_FORMAT, "no valid id"},
    {WITH_MODEL("{\"vocab\": {\"a\": 0, \"b\": 0}, \"merges\": []}"), NULL, MLAVK_ERR_FORMAT, "given to two tokens"},
    {WITH_MODEL("{\"vocab\": {\"a\": 0}}"), NULL, MLAVK_ERR_FORMAT, "\"model.merges\""},
    {WITH_MODEL("{\"vocab\": {\"a\": 0}, \"merges\": [\"a\"]}"), NULL, MLAVK_ERR_FORMAT, "merge 0 is neither"},
    {WITH_MODEL("{\"vocab\": {\"a\": 0}, \"merges\": [\"a a a\"]}"), NULL, MLAVK_ERR_FORMAT, "merge 0 is neither"},
    {WITH_MODEL("{\"vocab\": {\"a\": 0}, \"merges\": [[\"a\", 1]]}"), NULL, MLAVK_ERR_FORMAT, "merge 0 is neither"},
    {WITH_MODEL("{\"vocab\": {\"a\": 0}, \"merges\": [\"a b\"]}"), NULL, MLAVK_ERR_FORMAT, "merge 0 joins"},
    {"{\"added_tokens\": {}, " MODEL ", " BYTE_LEVEL "}", NULL, MLAVK_ERR_FORMAT, "\"added_tokens\" is not an array"},
    {"{\"added_tokens\": [{\"id\": \"x\", \"content\": \"<s>\"}], " MODEL ", " BYTE_LEVEL "}", NULL,
     MLAVK_ERR_FORMAT, "added token 0 lacks"},
    {"{\"added_tokens\": [{\"id\": 3}], " MODEL ", " BYTE_LEVEL "}", NULL, MLAVK_ERR_FORMAT, "added token 0 lacks"},
    {"{\"added_tokens\": [{\"id\": 3, \"content\": \"\"}], " MODEL ", " BYTE_LEVEL "}", NULL, MLAVK_ERR_FORMAT,
     "empty, oversized or non-UTF-8"},
    {"{" MODEL "}", NULL, MLAVK_ERR_UNSUPPORTED, "no \"pre_tokenizer\""},
    {WITH_PRE("{\"type\": \"Whitespace\"}"), NULL, MLAVK_ERR_UNSUPPORTED, "\"Whitespace\" is not supported"},
    {WITH_PRE("{\"type\": \"ByteLevel\", \"add_prefix_space\": true}"), NULL, MLAVK_ERR_UNSUPPORTED, "add_prefix_space"},
    {WITH_PRE("{\"type\": \"Sequence\"}"), NULL, MLAVK_ERR_FORMAT, "no \"pretokenizers\" array"},
    {WITH_PRE("{\"type\": \"Sequence\", \"pretokenizers\": []}"), NULL, MLAVK_ERR_UNSUPPORTED, "no ByteLevel step"},
    {WITH_PRE("{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": \"[\"}, "
              "\"behavior\": \"Isolated\"}, {\"type\": \"ByteLevel\"}]}"),
     NULL, MLAVK_ERR_FORMAT, "regex 0 does not compile"},
    {WITH_PRE("{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": \"a\"}, "
              "\"behavior\": \"Removed\"}, {\"type\": \"ByteLevel\"}]}"),
     NULL, MLAVK_ERR_UNSUPPORTED, "\"Isolated\""},
    {WITH_PRE("{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"String\": \"a\"}, "
              "\"behavior\": \"Isolated\"}, {\"type\": \"ByteLevel\"}]}"),
     NULL, MLAVK_ERR_UNSUPPORTED, "pattern.Regex"},
    {"{\"normalizer\": {\"type\": \"NFKC\"}, " MODEL ", " BYTE_LEVEL "}", NULL, MLAVK_ERR_UNSUPPORTED, "normalizers other than NFC"},
    {"{\"decoder\": {\"type\": \"WordPiece\"}, " MODEL ", " BYTE_LEVEL "}", NULL, MLAVK_ERR_UNSUPPORTED,
     "ByteLevel decoder"},
    {VALID, "{", MLAVK_ERR_FORMAT, "tokenizer_config.json: not a JSON object"},
    {VALID, "{\"bos_token\": \"<s>\"}", MLAVK_ERR_FORMAT, "\"bos_token\" names a token"},
    {VALID, "{\"bos_token\": 5}", MLAVK_ERR_FORMAT, "\"bos_token\" is not a string"},
    {VALID, "{\"add_bos_token\": \"yes\"}", MLAVK_ERR_FORMAT, "\"add_bos_token\" is not true or false"},
};

static void check_case(const bad_case *c, size_t index)
{
    mlavk_tokenizer *t = (mlavk_tokenizer *)&t; /* must be reset to NULL on failure */
    mlavk_status status = tok_load_json_text(c->json, strlen(c->json), "tokenizer.json", c->config,
                                             c->config ? strlen(c->config) : 0, "tokenizer_config.json", &t);
    CHECK_MSG(status == c->status, "case %zu: status %d, want %d (%s)", index, status, c->status,
              mlavk_last_error());
    CHECK_MSG(strstr(mlavk_last_error(), c->message) != NULL, "case %zu: message \"%s\" lacks \"%s\"", index,
              mlavk_last_error(), c->message);
    CHECK_MSG(strchr(mlavk_last_error(), '\n') == NULL, "case %zu: the message spans lines", index);
    CHECK(t == NULL);
    if (status == MLAVK_OK)
        mlavk_tokenizer_free(t);
}

static void check_valid_and_nested(void)
{
    mlavk_tokenizer *t;
    const char *config = "{\"bos_token\": {\"content\": \"ab\"}, \"eos_token\": \"a\", \"add_bos_token\": true}";
    CHECK(tok_load_json_text(VALID, strlen(VALID), NULL, config, strlen(config), NULL, &t) == MLAVK_OK);
    int32_t *ids;
    size_t count;
    CHECK(mlavk_tokenize(t, "aab", 3, MLAVK_BOS_DEFAULT, &ids, &count) == MLAVK_OK);
    CHECK(count == 3 && ids[0] == 2 && ids[1] == 0 && ids[2] == 2);
    free(ids);
    mlavk_tokenizer_free(t);
    /* Nesting deeper than cJSON's limit must be a parse error, not a stack overflow. */
    size_t depth = 100000;
    char *nested = malloc(2 * depth + 1);
    memset(nested, '[', depth);
    memset(nested + depth, ']', depth);
    CHECK(tok_load_json_text(nested, 2 * depth, "deep.json", NULL, 0, NULL, &t) == MLAVK_ERR_FORMAT);
    free(nested);
    CHECK(mlavk_tokenizer_load_json("/nonexistent/tokenizer.json", NULL, &t) == MLAVK_ERR_IO);
    CHECK(strstr(mlavk_last_error(), "/nonexistent/tokenizer.json: cannot open") != NULL);
}

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_case(&cases[i], i);
    check_valid_and_nested();
    return test_finish("tokenizer_json_errors");
}
