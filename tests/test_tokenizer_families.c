/* Every pre-tokenizer a GGUF file can name in tokenizer.ggml.pre (deepseek-llm, deepseek-v3, youtu, glm4, kimi-k2,
 * tekken, gigachat, kanana2, default) gives, on the corpus of tests/golden/tokenizer_families.json, exactly the ids
 * and the pre-tokenizer pieces llama.cpp gave (tests/golden/README.md says how they were made). For the ids,
 * DeepSeek-V3's vocabulary is written into a GGUF file once per name, here, and read back through the GGUF reader
 * as a model file's tokenizer would be: one vocabulary for all, so what differs between the families is the
 * splitting, and the pieces check that directly (one vocabulary hides a split that its BPE would make anyway).
 *
 *   test tokenizer.json tokenizer_families.json DIR   the families (DIR receives the GGUF files, kept for
 *                                                      tools/tokenizer_golden/make_family_golden.py)
 *   test --unknown DIR                                 an unknown or missing name is a one-line error naming the
 *                                                      file and the name */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "formats/gguf.h"
#include "formats/model_files.h"
#include "model_writer.h"
#include "test_tokenizer_common.h"
#include "test_util.h"
#include "tokenizer/tok_utf8.h"
#include "tokenizer/tokenizer.h"

/* A vocabulary-only GGUF file (what llama.cpp's vocab_only loading needs: the architecture and tokenizer keys);
 * pre NULL leaves tokenizer.ggml.pre out. */
static bool write_vocab_gguf(const tok_gguf_vocab *v, const char *pre, const char *path)
{
    gguf_writer w;
    gw_init(&w);
    gw_str(&w, "general.architecture", "deepseek2");
    gw_bpe_vocab(&w, v, pre, 1);
    byte_buf out = {0};
    gw_finish(&w, &out);
    bool ok = bb_write_file(out.data, out.size, path);
    bb_free(&out);
    return ok;
}

/* The tokenizer of a GGUF file, read the way a model file's is (GGUF reader, then its tokenizer metadata). */
static mlavk_status load_gguf_tokenizer(const char *path, mlavk_tokenizer **t)
{
    gguf_file *gguf;
    *t = NULL;
    mlavk_status status = gguf_open(path, &gguf);
    if (status != MLAVK_OK)
        return status;
    model_files files = {.gguf = gguf};
    status = tok_load_model_files(&files, path, t);
    gguf_close(gguf);
    return status;
}

/* Compares one family on every string; llama.cpp's null (it threw on the string) asks only for some ids. */
static void check_family(const char *pre, const cJSON *strings, const cJSON *want, const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.gguf", dir, pre);
    mlavk_tokenizer *t;
    mlavk_status status = load_gguf_tokenizer(path, &t);
    CHECK_MSG(status == MLAVK_OK, "%s: %s", pre, mlavk_last_error());
    CHECK_MSG(cJSON_GetArraySize(want) == cJSON_GetArraySize(strings), "%s: %d id lists for %d strings", pre,
              cJSON_GetArraySize(want), cJSON_GetArraySize(strings));
    if (status != MLAVK_OK || cJSON_GetArraySize(want) != cJSON_GetArraySize(strings))
        return;
    int index = 0, equal = 0, thrown = 0, failures_before = test_failures;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, strings) {
        const cJSON *ids_want = cJSON_GetArrayItem(want, index);
        size_t length, count = 0;
        int32_t *ids = NULL;
        char *text = golden_entry_bytes(entry, &length);
        status = text ? mlavk_tokenize(t, text, length, 0, &ids, &count) : MLAVK_ERR_INVALID_ARGUMENT;
        CHECK_MSG(status == MLAVK_OK, "%s string %d: %s", pre, index, text ? mlavk_last_error() : "no text or hex");
        if (status == MLAVK_OK && cJSON_IsNull(ids_want)) {
            CHECK_MSG(count > 0, "%s string %d: no ids", pre, index);
            thrown++;
        } else if (status == MLAVK_OK) {
            int before = test_failures;
            char what[64];
            snprintf(what, sizeof what, "%s string", pre);
            golden_compare_ids(ids_want, ids, count, what, index);
            equal += test_failures == before;
        }
        free(ids);
        free(text);
        index++;
    }
    printf("%-12s %d strings: ids of %d as llama.cpp's, %d where llama.cpp throws%s\n", pre, index, equal, thrown,
           test_failures == failures_before ? "" : " (FAILED)");
    mlavk_tokenizer_free(t);
}

/* A token string and where it first appears in the pieces vocabulary. */
typedef struct piece_ref {
    const char *text;
    uint32_t id;
} piece_ref;

static int compare_piece_ref(const void *a, const void *b)
{
    const piece_ref *x = a, *y = b;
    int c = strcmp(x->text, y->text);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* The id of a piece: the first id holding its text (what a tokenizer keeps of a duplicated string). */
static uint32_t piece_id(const piece_ref *sorted, uint32_t count, const char *text)
{
    uint32_t lo = 0, hi = count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (strcmp(sorted[mid].text, text) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < count && strcmp(sorted[lo].text, text) == 0 ? sorted[lo].id : UINT32_MAX;
}

/* The splitting itself: a vocabulary of the 256 byte tokens and every piece llama.cpp made, no merges, each word
 * taken whole when it is a token (ignore_merges). A word mlavk splits off the same as llama.cpp is then its piece's
 * token; any other falls apart into bytes, so the ids are equal exactly when the pieces are. */
static void check_pieces(const char *pre, const cJSON *strings, const cJSON *pieces)
{
    static char byte_text[256][4];
    const tok_pre_family *family = tok_pre_family_find(pre);
    uint32_t count = 256;
    const cJSON *list, *piece;
    cJSON_ArrayForEach(list, pieces) count += (uint32_t)cJSON_GetArraySize(list);
    tok_text *tokens = calloc(count, sizeof *tokens);
    piece_ref *sorted = calloc(count, sizeof *sorted);
    CHECK(family && tokens && sorted && cJSON_GetArraySize(pieces) == cJSON_GetArraySize(strings));
    if (!family || !tokens || !sorted || cJSON_GetArraySize(pieces) != cJSON_GetArraySize(strings)) {
        free(tokens);
        free(sorted);
        return;
    }
    uint32_t n = 0;
    for (int b = 0; b < 256; b++, n++) {
        size_t length = tok_utf8_encode(tok_byte_to_codepoint((uint8_t)b), byte_text[b]);
        tokens[n] = (tok_text){byte_text[b], length};
        sorted[n] = (piece_ref){byte_text[b], n};
    }
    cJSON_ArrayForEach(list, pieces) cJSON_ArrayForEach(piece, list) {
        tokens[n] = (tok_text){piece->valuestring, strlen(piece->valuestring)};
        sorted[n] = (piece_ref){piece->valuestring, n};
        n++;
    }
    qsort(sorted, n, sizeof *sorted, compare_piece_ref);
    tok_vocab_desc desc = {.source = pre, .token_count = n, .tokens = tokens, .bos_id = -1, .eos_id = -1,
                           .split_count = family->split_count, .split_regexes = family->split_regexes,
                           .ignore_merges = true, .lax_utf8 = true};
    mlavk_tokenizer *t;
    mlavk_status status = tok_build(&desc, &t);
    CHECK_MSG(status == MLAVK_OK, "%s pieces: %s", pre, mlavk_last_error());
    int index = 0, equal = 0, failures_before = test_failures;
    const cJSON *entry;
    for (entry = strings->child, list = pieces->child; status == MLAVK_OK && entry;
         entry = entry->next, list = list->next) {
        size_t length, count_ids = 0, i = 0;
        int32_t *ids = NULL;
        char *text = golden_entry_bytes(entry, &length);
        mlavk_status s = text ? mlavk_tokenize(t, text, length, 0, &ids, &count_ids) : MLAVK_ERR_INVALID_ARGUMENT;
        CHECK_MSG(s == MLAVK_OK, "%s pieces, string %d: %s", pre, index, text ? mlavk_last_error() : "no text");
        if (s == MLAVK_OK && !cJSON_IsNull(list)) {
            size_t want_count = (size_t)cJSON_GetArraySize(list);
            piece = list->child;
            while (piece && i < count_ids && (uint32_t)ids[i] == piece_id(sorted, n, piece->valuestring)) {
                piece = piece->next;
                i++;
            }
            if (i == count_ids && i == want_count) {
                equal++;
            } else {
                const cJSON *want = cJSON_GetArrayItem(list, (int)i);
                test_fail(__FILE__, __LINE__, "%s string %d: piece %zu is \"%s\", want \"%s\" (%zu pieces, want "
                          "%zu)", pre, index, i, i < count_ids ? tokens[ids[i]].bytes : "",
                          want ? want->valuestring : "", count_ids, want_count);
            }
        }
        free(ids);
        free(text);
        index++;
    }
    printf("%-12s %d strings: pieces of %d as llama.cpp's%s\n", pre, index, equal,
           test_failures == failures_before ? "" : " (FAILED)");
    mlavk_tokenizer_free(t);
    free(tokens);
    free(sorted);
}

/* llama.cpp sets ignore_merges for youtu, tekken and the Llama 3 names only: there a word that is a token is taken whole even when
 * the merges never make it (V3's vocabulary has no such token, so this uses a small one). */
static void check_ignore_merges(const char *dir)
{
    static const char *tokens[] = {"a", "b", "c", "ab", "abc"}, *merges[] = {"a b"};
    static const size_t token_lengths[] = {1, 1, 1, 2, 3}, merge_lengths[] = {3};
    tok_gguf_vocab vocab = {.token_count = 5, .tokens = tokens, .token_lengths = token_lengths, .merge_count = 1,
                            .merges = merges, .merge_lengths = merge_lengths, .bos_id = 0, .eos_id = 1};
    uint32_t family_count;
    const tok_pre_family *families = tok_pre_families(&family_count);
    for (uint32_t i = 0; i < family_count; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/small-%s.gguf", dir, families[i].name);
        mlavk_tokenizer *t = NULL;
        int32_t *ids = NULL;
        size_t count = 0;
        CHECK(write_vocab_gguf(&vocab, families[i].name, path) && load_gguf_tokenizer(path, &t) == MLAVK_OK &&
              mlavk_tokenize(t, "abc", 3, 0, &ids, &count) == MLAVK_OK);
        bool whole = strcmp(families[i].name, "youtu") == 0 || strcmp(families[i].name, "tekken") == 0 ||
                     strcmp(families[i].name, "llama-bpe") == 0 || strcmp(families[i].name, "llama3") == 0 ||
                     strcmp(families[i].name, "llama-v3") == 0;
        CHECK_MSG(whole ? count == 1 && ids[0] == 4 : count == 2 && ids[0] == 3 && ids[1] == 2,
                  "%s: \"abc\" gave %zu ids", families[i].name, count);
        free(ids);
        mlavk_tokenizer_free(t);
    }
}

/* The Llama 3 and Qwen2 names are checked against llama.cpp's own test of their vocabularies instead
 * (test_tokenizer_llama_qwen.c); GLM-4's goldens here cover the Llama 3 pattern on this corpus too. */
static bool checked_elsewhere(const char *name)
{
    return strcmp(name, "llama-bpe") == 0 || strcmp(name, "llama3") == 0 || strcmp(name, "llama-v3") == 0 ||
           strcmp(name, "qwen2") == 0;
}

static int check_families(const char *tokenizer_json, const char *golden_path, const char *dir)
{
    cJSON *root = golden_load(tokenizer_json), *golden = golden_load(golden_path);
    golden_gguf_arrays a = {0};
    CHECK_MSG(root && golden, "cannot read %s or %s", tokenizer_json, golden_path);
    CHECK(root && golden_gguf_arrays_fill(root, &a));
    uint32_t family_count;
    const tok_pre_family *families = tok_pre_families(&family_count);
    /* Every file first: they are what llama.cpp reads to make the goldens. */
    mkdir(dir, 0755);
    for (uint32_t i = 0; a.tokens && i < family_count; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.gguf", dir, families[i].name);
        CHECK_MSG(write_vocab_gguf(&a.vocab, families[i].name, path), "cannot write %s", path);
    }
    const cJSON *strings = cJSON_GetObjectItemCaseSensitive(golden, "strings");
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(golden, "ids");
    const cJSON *pieces_all = cJSON_GetObjectItemCaseSensitive(golden, "pieces");
    CHECK_MSG(cJSON_GetArraySize(strings) >= 400, "the corpus has only %d strings", cJSON_GetArraySize(strings));
    uint32_t elsewhere = 0;
    for (uint32_t i = 0; i < family_count; i++)
        elsewhere += checked_elsewhere(families[i].name);
    CHECK_MSG((uint32_t)cJSON_GetArraySize(ids) + elsewhere == family_count,
              "goldens for %d families, mlavk knows %u (%u checked elsewhere)", cJSON_GetArraySize(ids), family_count,
              elsewhere);
    for (uint32_t i = 0; a.tokens && strings && i < family_count; i++) {
        if (checked_elsewhere(families[i].name))
            continue;
        const cJSON *want = cJSON_GetObjectItemCaseSensitive(ids, families[i].name);
        const cJSON *pieces = cJSON_GetObjectItemCaseSensitive(pieces_all, families[i].name);
        CHECK_MSG(cJSON_IsArray(want) && cJSON_IsArray(pieces), "no goldens for %s", families[i].name);
        if (cJSON_IsArray(pieces))
            check_pieces(families[i].name, strings, pieces);
        if (cJSON_IsArray(want))
            check_family(families[i].name, strings, want, dir);
    }
    check_ignore_merges(dir);
    golden_gguf_arrays_free(&a);
    cJSON_Delete(root);
    cJSON_Delete(golden);
    return test_finish("tokenizer_families");
}

/* The load fails with MLAVK_ERR_UNSUPPORTED and one line holding the file name and each of the words. */
static void expect_refusal(const tok_gguf_vocab *vocab, const char *pre, const char *dir, const char *word)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/pre-%s.gguf", dir, pre ? "named" : "missing");
    CHECK_MSG(write_vocab_gguf(vocab, pre, path), "cannot write %s", path);
    mlavk_tokenizer *t;
    mlavk_status status = load_gguf_tokenizer(path, &t);
    const char *message = mlavk_last_error();
    CHECK_MSG(status == MLAVK_ERR_UNSUPPORTED && t == NULL, "pre %s: status %d", word, status);
    CHECK_MSG(strstr(message, path) && strstr(message, "tokenizer.ggml.pre") && strstr(message, word) &&
                  !strchr(message, '\n'),
              "pre %s: message \"%s\"", word, message);
    printf("%s\n", message);
}

static int check_unknown(const char *dir)
{
    static const char *tokens[] = {"a", "b", "ab"}, *merges[] = {"a b"};
    static const size_t token_lengths[] = {1, 1, 2}, merge_lengths[] = {3};
    tok_gguf_vocab vocab = {.token_count = 3, .tokens = tokens, .token_lengths = token_lengths, .merge_count = 1,
                            .merges = merges, .merge_lengths = merge_lengths, .bos_id = 0, .eos_id = 1};
    mkdir(dir, 0755);
    expect_refusal(&vocab, "falcon", dir, "\"falcon\"");
    expect_refusal(&vocab, "deep\nseek-v3", dir, "\"deep?seek-v3\"");
    expect_refusal(&vocab, NULL, dir, "missing");
    char path[1024];
    snprintf(path, sizeof path, "%s/pre-known.gguf", dir);
    mlavk_tokenizer *t = NULL;
    CHECK(write_vocab_gguf(&vocab, "kimi-k2", path) && load_gguf_tokenizer(path, &t) == MLAVK_OK);
    mlavk_tokenizer_free(t);
    return test_finish("tokenizer_families_unknown");
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--unknown") == 0)
        return check_unknown(argv[2]);
    CHECK_MSG(argc == 4, "usage: %s tokenizer.json tokenizer_families.json DIR | --unknown DIR", argv[0]);
    return argc == 4 ? check_families(argv[1], argv[2], argv[3]) : test_finish("tokenizer_families");
}
