/* Llama 3's and Qwen2's tokenizers give, on every string of llama.cpp's own tokenizer test for them
 * (models/ggml-vocab-{llama-bpe,qwen2}.gguf.inp/.out, its test-tokenizer-0 format), exactly llama.cpp's ids: read
 * from GGUF metadata (the vocabulary written into a GGUF file as llama.cpp's converter writes it, with
 * tokenizer.ggml.pre "llama-bpe" / "qwen2") and from the HF tokenizer.json (Qwen2's NFC normalizer applied). BOS as
 * llama.cpp adds it: llama-bpe prepends it unless tokenizer.ggml.add_bos_token says otherwise, qwen2 does not; from
 * tokenizer.json, when the post-processor's template starts with it (as llama.cpp's converter reads it). The
 * tokenizer.json regex is told as the GGUF pre name llama.cpp gives it.
 *
 *   test LLAMA3_TOKENIZER_JSON LLAMA_BPE_INP LLAMA_BPE_OUT QWEN_TOKENIZER_JSON QWEN2_INP QWEN2_OUT DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "formats/gguf.h"
#include "model_writer.h"
#include "test_tokenizer_common.h"
#include "test_util.h"
#include "tokenizer/tokenizer.h"

typedef struct vocab_case {
    char **texts;   /* the .inp strings */
    size_t *lengths;
    int32_t **ids;  /* llama.cpp's ids for each */
    size_t *counts;
    size_t n;
} vocab_case;

/* test-tokenizer-0's reading: strings separated by "\n__ggml_vocab_test__\n", one line of ids per string. */
static bool read_case(const char *inp_path, const char *out_path, vocab_case *c)
{
    static const char sep[] = "\n__ggml_vocab_test__\n";
    size_t inp_size, out_size;
    char *inp = test_read_file(inp_path, &inp_size), *out = test_read_file(out_path, &out_size);
    if (!inp || !out)
        return false;
    memset(c, 0, sizeof *c);
    c->texts = calloc(inp_size + 1, sizeof *c->texts);
    c->lengths = calloc(inp_size + 1, sizeof *c->lengths);
    c->ids = calloc(inp_size + 1, sizeof *c->ids);
    c->counts = calloc(inp_size + 1, sizeof *c->counts);
    for (size_t pos = 0; pos < inp_size;) {
        const char *next = NULL;
        for (size_t k = pos; k + sizeof sep - 1 <= inp_size && !next; k++)
            if (memcmp(inp + k, sep, sizeof sep - 1) == 0)
                next = inp + k;
        size_t len = next ? (size_t)(next - inp) - pos : inp_size - pos;
        c->texts[c->n] = malloc(len + 1);
        memcpy(c->texts[c->n], inp + pos, len);
        c->texts[c->n][len] = '\0';
        c->lengths[c->n++] = len;
        pos = next ? (size_t)(next - inp) + sizeof sep - 1 : inp_size;
    }
    size_t line = 0;
    for (char *p = out; p < out + out_size && line < c->n; line++) {
        char *end = memchr(p, '\n', (size_t)(out + out_size - p));
        end = end ? end : out + out_size;
        c->ids[line] = malloc(((size_t)(end - p) / 2 + 1) * sizeof **c->ids);
        for (char *q = p; q < end;) {
            char *after;
            long id = strtol(q, &after, 10);
            if (after == q)
                break;
            c->ids[line][c->counts[line]++] = (int32_t)id;
            q = after;
        }
        p = end + 1;
    }
    CHECK_MSG(line == c->n && c->n > 40, "%s: %zu strings, %zu id lines", inp_path, c->n, line);
    free(inp);
    free(out);
    return line == c->n;
}

static void free_case(vocab_case *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->texts[i]);
        free(c->ids[i]);
    }
    free(c->texts);
    free(c->lengths);
    free(c->ids);
    free(c->counts);
}

/* Every string, without BOS (test-tokenizer-0 tokenizes with add_special false). */
static void check_ids(mlavk_tokenizer *t, const vocab_case *c, const char *what)
{
    size_t failed = 0;
    for (size_t i = 0; i < c->n; i++) {
        int32_t *ids = NULL;
        size_t count = 0;
        mlavk_status status = mlavk_tokenize(t, c->texts[i], c->lengths[i], 0, &ids, &count);
        bool same = status == MLAVK_OK && count == c->counts[i] &&
                    (count == 0 || memcmp(ids, c->ids[i], count * sizeof *ids) == 0);
        if (!same && failed++ < 5)
            test_fail(__FILE__, __LINE__, "%s: string %zu (%zu bytes): %zu ids (status %d), llama.cpp gives %zu", what,
                      i, c->lengths[i], count, (int)status, c->counts[i]);
        free(ids);
    }
    printf("%s: %zu of %zu strings id for id\n", what, c->n - failed, c->n);
}

/* The tokenizer keys llama.cpp's converter writes for the vocabulary; add_bos < 0 leaves the key out. */
static bool write_vocab_gguf(const tok_gguf_vocab *v, const char *arch, const char *pre, int add_bos,
                             const char *path)
{
    gguf_writer w;
    gw_init(&w);
    gw_str(&w, "general.architecture", arch);
    gw_bpe_vocab(&w, v, pre, add_bos);
    byte_buf out = {0};
    gw_finish(&w, &out);
    bool ok = bb_write_file(out.data, out.size, path);
    bb_free(&out);
    return ok;
}

static mlavk_tokenizer *load_gguf(const char *path)
{
    gguf_file *gguf;
    mlavk_tokenizer *t = NULL;
    mlavk_status status = gguf_open(path, &gguf);
    if (status == MLAVK_OK) {
        status = tok_load_gguf_metadata(gguf, path, &t);
        gguf_close(gguf);
    }
    CHECK_MSG(status == MLAVK_OK, "%s: %s", path, mlavk_last_error());
    return t;
}

/* With add_bos MLAVK_BOS_DEFAULT, "Hello" starts with bos exactly when want_bos. */
static void check_bos(mlavk_tokenizer *t, int32_t bos, bool want_bos, const char *what)
{
    int32_t *ids = NULL;
    size_t count = 0;
    CHECK(mlavk_tokenize(t, "Hello", 5, MLAVK_BOS_DEFAULT, &ids, &count) == MLAVK_OK);
    bool has_bos = count > 0 && ids[0] == bos;
    CHECK_MSG(has_bos == want_bos && mlavk_tokenizer_adds_bos(t) == want_bos && count == 1u + want_bos,
              "%s: BOS %s expected, ids %zu", what, want_bos ? "" : "not", count);
    free(ids);
}

/* Qwen2's tokenizer.json normalizes to NFC: "e" + U+0301 (combining acute) reads as U+00E9, between added tokens. */
static void check_nfc(mlavk_tokenizer *t)
{
    static const char decomposed[] = "Caf" "e\xcc\x81<|im_end|>e\xcc\x81", composed[] = "Caf\xc3\xa9<|im_end|>\xc3\xa9";
    int32_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    CHECK(mlavk_tokenize(t, decomposed, sizeof decomposed - 1, 0, &a, &na) == MLAVK_OK);
    CHECK(mlavk_tokenize(t, composed, sizeof composed - 1, 0, &b, &nb) == MLAVK_OK);
    CHECK_MSG(na == nb && na > 2 && memcmp(a, b, na * sizeof *a) == 0 && b[nb - 2] == 151645,
              "NFC: %zu ids for the decomposed text, %zu for the composed one", na, nb);
    free(a);
    free(b);
}

/* Llama 3's HF tokenizer.json adds BOS through its TemplateProcessing post-processor (this copy has none, so one is
 * put in); tokenizer_config.json's add_bos_token false turns it off. */
static void check_template_bos(const cJSON *root, const char *json_path)
{
    cJSON *copy = cJSON_Duplicate(root, true);
    cJSON_ReplaceItemInObjectCaseSensitive(copy, "post_processor", cJSON_Parse(
        "{\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": {\"id\": \"<|begin_of_text|>\", "
        "\"type_id\": 0}}, {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}], \"pair\": [], \"special_tokens\": {}}"));
    char *text = cJSON_PrintUnformatted(copy);
    static const char no_bos[] = "{\"add_bos_token\": false}";
    for (int config = 0; text && config < 2; config++) {
        mlavk_tokenizer *t = NULL;
        CHECK(tok_load_json_text(text, strlen(text), json_path, config ? no_bos : NULL, config ? strlen(no_bos) : 0,
                                 "tokenizer_config.json", &t) == MLAVK_OK);
        if (t)
            check_bos(t, 128000, config == 0, config ? "template BOS, add_bos_token false" : "template BOS");
        mlavk_tokenizer_free(t);
    }
    free(text);
    cJSON_Delete(copy);
}

static void check_family(const char *json_path, const char *inp, const char *out, const char *arch, const char *pre,
                         int64_t bos, const char *dir)
{
    vocab_case c;
    size_t size;
    char *text = test_read_file(json_path, &size);
    cJSON *root = text ? cJSON_ParseWithLength(text, size) : NULL;
    golden_gguf_arrays arrays;
    CHECK_MSG(root && read_case(inp, out, &c), "cannot read %s, %s or %s", json_path, inp, out);
    if (!root || !golden_gguf_arrays_fill(root, &arrays)) {
        free(text);
        return;
    }
    arrays.vocab.bos_id = bos;
    arrays.vocab.eos_id = bos + 1;
    char path[512], what[96];
    snprintf(path, sizeof path, "%s/%s.gguf", dir, pre);
    CHECK(write_vocab_gguf(&arrays.vocab, arch, pre, -1, path));
    mlavk_tokenizer *t = load_gguf(path);
    snprintf(what, sizeof what, "GGUF %s", pre);
    if (t) {
        check_ids(t, &c, what);
        check_bos(t, (int32_t)bos, strcmp(pre, "llama-bpe") == 0, what);
    }
    mlavk_tokenizer_free(t);
    if (strcmp(pre, "llama-bpe") == 0) { /* the key overrides llama.cpp's default for the name */
        snprintf(path, sizeof path, "%s/%s-no-bos.gguf", dir, pre);
        CHECK(write_vocab_gguf(&arrays.vocab, arch, pre, 0, path));
        t = load_gguf(path);
        if (t)
            check_bos(t, (int32_t)bos, false, "GGUF llama-bpe with add_bos_token false");
        mlavk_tokenizer_free(t);
    }
    t = NULL;
    snprintf(what, sizeof what, "tokenizer.json for %s", pre);
    mlavk_status status = tok_load_json_text(text, size, json_path, NULL, 0, NULL, &t);
    CHECK_MSG(status == MLAVK_OK, "%s: %s", what, mlavk_last_error());
    if (t)
        check_ids(t, &c, what);
    /* the name `mlavk transmla` writes for it, told by its Split regex */
    CHECK_MSG(!t || (tok_gguf_pre(t) && strcmp(tok_gguf_pre(t), pre) == 0), "%s: GGUF pre name %s", what,
              t && tok_gguf_pre(t) ? tok_gguf_pre(t) : "(none)");
    if (t && strcmp(pre, "qwen2") == 0)
        check_nfc(t);
    if (t && strcmp(pre, "llama-bpe") == 0) {
        check_bos(t, (int32_t)bos, false, "tokenizer.json for llama-bpe without a BOS template");
        check_template_bos(root, json_path);
    }
    mlavk_tokenizer_free(t);
    golden_gguf_arrays_free(&arrays);
    cJSON_Delete(root);
    free(text);
    free_case(&c);
}

int main(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr, "usage: %s LLAMA3_JSON LLAMA_BPE_INP LLAMA_BPE_OUT QWEN_JSON QWEN2_INP QWEN2_OUT DIR\n",
                argv[0]);
        return 2;
    }
    mkdir(argv[7], 0755);
    check_family(argv[1], argv[2], argv[3], "llama", "llama-bpe", 128000, argv[7]);
    check_family(argv[4], argv[5], argv[6], "qwen2", "qwen2", 151643, argv[7]);
    return test_finish("llama3_and_qwen2_tokenizers_match_llama_cpp_id_for_id");
}
