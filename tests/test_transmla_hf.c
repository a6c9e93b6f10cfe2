/* `mlavk transmla` of an HF directory: argv[1] is its conversion, argv[2] the conversion of the same model's GGUF,
 * argv[3] the HF directory. The two conversions hold the same tensors byte for byte, and the HF one carries the
 * tokenizer as llama.cpp's converter writes it: its GGUF tokenizer splits a text into the ids tokenizer.json's does
 * (and the ids worked out by hand from the test's vocabulary). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/gguf.h"
#include "tokenizer/tokenizer.h"
#include "test_util.h"

static void check_same_tensors(const gguf_file *a, const gguf_file *b)
{
    CHECK(gguf_tensor_count(a) == gguf_tensor_count(b));
    for (uint64_t i = 0; i < gguf_tensor_count(a); i++) {
        const gguf_tensor *t = gguf_tensor_at(a, i);
        const gguf_tensor *u = gguf_find_tensor(b, t->name);
        CHECK_MSG(u && u->type == t->type && u->n_bytes == t->n_bytes && memcmp(u->dims, t->dims, sizeof t->dims) == 0
                      && memcmp(u->data, t->data, t->n_bytes) == 0,
                  "tensor %s differs", t->name);
    }
}

static bool string_is(const gguf_file *g, const char *key, const char *want)
{
    gguf_string s;
    return gguf_get_string(g, key, &s) == MLAVK_OK && s.len == strlen(want) && memcmp(s.data, want, s.len) == 0;
}

/* The keys the converter writes: pre named from the regex, tokens padded with unused ones, control types for special
 * added tokens and those that look special, user-defined for the other added ones, merges. */
static void check_tokenizer_keys(const gguf_file *g)
{
    CHECK(string_is(g, "tokenizer.ggml.model", "gpt2"));
    CHECK(string_is(g, "tokenizer.ggml.pre", "llama-bpe"));
    const gguf_array *tokens, *types, *merges;
    CHECK(gguf_get_array(g, "tokenizer.ggml.tokens", &tokens) == MLAVK_OK && tokens->count == 77);
    CHECK(gguf_get_array(g, "tokenizer.ggml.token_type", &types) == MLAVK_OK && types->count == 77 &&
          types->elem_type == GGUF_TYPE_I32);
    CHECK(gguf_get_array(g, "tokenizer.ggml.merges", &merges) == MLAVK_OK && merges->count == 3);
    if (test_failures)
        return;
    CHECK(tokens->strings[0].len == 17 && memcmp(tokens->strings[0].data, "<|begin_of_text|>", 17) == 0);
    CHECK(tokens->strings[40].len == 7 && memcmp(tokens->strings[40].data, "[PAD40]", 7) == 0);
    CHECK(merges->strings[2].len == 6 && memcmp(merges->strings[2].data, "\xc4\xa0 the", 6) == 0);
    const int32_t want_types[] = {[0] = 3, [1] = 3, [2] = 1, [31] = 1, [32] = 1, [33] = 4, [34] = 3, [35] = 5,
                                  [76] = 5};
    for (size_t id = 0; id < sizeof want_types / sizeof want_types[0]; id++) {
        int32_t type;
        memcpy(&type, types->raw + 4 * id, 4);
        CHECK_MSG(!want_types[id] || type == want_types[id], "token %zu has type %d", id, type);
    }
    uint32_t bos, eos;
    bool add_bos;
    CHECK(gguf_get_u32(g, "tokenizer.ggml.bos_token_id", &bos) == MLAVK_OK && bos == 0);
    CHECK(gguf_get_u32(g, "tokenizer.ggml.eos_token_id", &eos) == MLAVK_OK && eos == 1);
    CHECK(gguf_get_bool(g, "tokenizer.ggml.add_bos_token", &add_bos) == MLAVK_OK && add_bos);
    CHECK(string_is(g, "tokenizer.chat_template",
                    "{{ bos_token }}{% for m in messages %}{{ m['content'] }}{% endfor %}"));
}

static char *read_all(const char *dir, const char *name, size_t *length)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    char *text = f ? calloc(1, 1 << 16) : NULL;
    *length = text ? fread(text, 1, (1 << 16) - 1, f) : 0;
    if (f)
        fclose(f);
    return text;
}

static void check_same_ids(const gguf_file *g, const char *hf_dir)
{
    size_t json_length, config_length;
    char *json = read_all(hf_dir, "tokenizer.json", &json_length);
    char *config = read_all(hf_dir, "tokenizer_config.json", &config_length);
    mlavk_tokenizer *from_json = NULL, *from_gguf = NULL;
    CHECK(json && config && tok_load_json_text(json, json_length, "tokenizer.json", config, config_length,
                                               "tokenizer_config.json", &from_json) == MLAVK_OK);
    CHECK(tok_load_gguf_metadata(g, "converted", &from_gguf) == MLAVK_OK);
    static const char text[] = "the tea<user>heat. the<|eot|>";
    /* BOS, "the", " " "t" "e" "a", "<user>", "h" "e" "a" "t", ".", " the", "<|eot|>" */
    static const int32_t want[] = {0, 30, 28, 21, 6, 2, 33, 9, 6, 2, 21, 32, 31, 34};
    int32_t *ids[2] = {NULL, NULL};
    size_t counts[2] = {0, 0};
    mlavk_tokenizer *tokenizers[2] = {from_json, from_gguf};
    for (int i = 0; i < 2 && !test_failures; i++) {
        CHECK(mlavk_tokenizer_adds_bos(tokenizers[i]));
        CHECK(mlavk_tokenize(tokenizers[i], text, strlen(text), true, &ids[i], &counts[i]) == MLAVK_OK);
        CHECK_MSG(counts[i] == sizeof want / sizeof want[0] && memcmp(ids[i], want, sizeof want) == 0,
                  "tokenizer %d: %zu ids, not the expected ones", i, counts[i]);
    }
    free(ids[0]);
    free(ids[1]);
    mlavk_tokenizer_free(from_json);
    mlavk_tokenizer_free(from_gguf);
    free(json);
    free(config);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s HF_CONVERTED.gguf GGUF_CONVERTED.gguf HF_DIR\n", argv[0]);
        return 2;
    }
    gguf_file *from_hf = NULL, *from_gguf = NULL;
    CHECK(gguf_open(argv[1], &from_hf) == MLAVK_OK);
    CHECK(gguf_open(argv[2], &from_gguf) == MLAVK_OK);
    if (!test_failures) {
        check_same_tensors(from_hf, from_gguf);
        check_tokenizer_keys(from_hf);
        check_same_ids(from_hf, argv[3]);
    }
    gguf_close(from_hf);
    gguf_close(from_gguf);
    return test_finish("transmla_hf");
}
