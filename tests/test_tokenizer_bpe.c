/* BPE on a small hand-made vocabulary: merges apply by rank, leftmost first on ties, long words merge the
 * same as short ones (the heap path), added tokens honour longest match, lstrip, rstrip and single_word,
 * ignore_merges takes a word that is a token whole, and inconsistent vocabularies are refused with a message. */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "tokenizer/tok_utf8.h"
#include "tokenizer/tokenizer.h"

enum { ID_AB = 256, ID_BC, ID_ABC, ID_AA, ID_AAAA, ID_A8, ID_X, ID_XX, ID_Y, ID_ZZ, TOKEN_COUNT };

static char byte_text[256][4];
static tok_text tokens[TOKEN_COUNT];

static void make_tokens(void)
{
    for (int b = 0; b < 256; b++)
        tokens[b] = (tok_text){byte_text[b], tok_utf8_encode(tok_byte_to_codepoint((uint8_t)b), byte_text[b])};
    const char *extra[] = {"ab", "bc", "abc", "aa", "aaaa", "aaaaaaaa", "<x>", "<x>>", "<y>", "zz"};
    for (int i = 0; i < TOKEN_COUNT - 256; i++)
        tokens[256 + i] = (tok_text){extra[i], strlen(extra[i])};
}

#define T(s) {s, sizeof s - 1}
static const tok_text merges[] = {T("b"), T("c"), T("a"), T("b"), T("a"), T("bc"), T("a"), T("a"),
                                  T("aa"), T("aa"), T("aaaa"), T("aaaa")};
static const tok_added_token added[] = {
    {.id = ID_X, .content = T("<x>"), .special = true, .lstrip = true},
    {.id = ID_XX, .content = T("<x>>"), .special = true},
    {.id = ID_Y, .content = T("<y>"), .rstrip = true},
    {.id = ID_ZZ, .content = T("zz"), .single_word = true},
};
static const tok_text splits[] = {T(" ?[a-z]+| ?[^a-z ]+|\\s+")};

static tok_vocab_desc small_vocab(void)
{
    return (tok_vocab_desc){.source = "small", .token_count = TOKEN_COUNT, .tokens = tokens, .merge_count = 6,
                            .merges = merges, .added_count = 4, .added = added, .bos_id = -1, .eos_id = -1,
                            .split_count = 1, .split_regexes = splits};
}

static void expect(mlavk_tokenizer *t, const char *text, const int32_t *want, size_t want_count)
{
    int32_t *ids;
    size_t count;
    CHECK(mlavk_tokenize(t, text, strlen(text), 0, &ids, &count) == MLAVK_OK);
    CHECK_MSG(count == want_count && memcmp(ids, want, count * sizeof *ids) == 0, "\"%.20s\": %zu ids, want %zu",
              text, count, want_count);
    free(ids);
}

#define EXPECT(t, text, ...)                                                  \
    do {                                                                      \
        const int32_t want_[] = {__VA_ARGS__};                                \
        expect(t, text, want_, sizeof want_ / sizeof want_[0]);               \
    } while (0)

static void check_merging(mlavk_tokenizer *t)
{
    EXPECT(t, "abc", ID_ABC);             /* b+c (rank 0) first, then a+bc */
    EXPECT(t, "ab", ID_AB);
    EXPECT(t, "aaa", ID_AA, 'a');          /* ties merge leftmost first */
    EXPECT(t, "aaaaaaa", ID_AAAA, ID_AA, 'a');
    char *long_word = malloc(1026);
    memset(long_word, 'a', 1025);
    long_word[1025] = '\0';
    int32_t *ids;
    size_t count;
    CHECK(mlavk_tokenize(t, long_word, 1025, 0, &ids, &count) == MLAVK_OK);
    CHECK(count == 129 && ids[0] == ID_A8 && ids[127] == ID_A8 && ids[128] == 'a');
    free(ids);
    free(long_word);
}

static void check_added(mlavk_tokenizer *t)
{
    EXPECT(t, "c  <x>c", 'c', ID_X, 'c');       /* lstrip swallows the spaces before */
    EXPECT(t, "<x>>", ID_XX);                     /* the longest added token wins */
    EXPECT(t, "<y>  c", ID_Y, 'c');               /* rstrip swallows the spaces after */
    EXPECT(t, "c\xE3\x80\x80\t<x><y>\xC2\xA0\n", 'c', ID_X, ID_Y); /* Unicode spaces too */
    EXPECT(t, "a zz", 'a', ' ', ID_ZZ);            /* byte tokens have the byte's value as id here */
    EXPECT(t, "azz", 'a', 'z', 'z');             /* single_word: not inside a word */
}

static void check_refusals(void)
{
    mlavk_tokenizer *t;
    tok_vocab_desc d = small_vocab();
    static const tok_text bad_merge[] = {T("a"), T("q!")};
    d.merges = bad_merge;
    d.merge_count = 1;
    CHECK(tok_build(&d, &t) == MLAVK_ERR_FORMAT && strstr(mlavk_last_error(), "merge 0"));
    d = small_vocab();
    static const tok_added_token far[] = {{.id = TOKEN_COUNT, .content = T("<far>")}};
    d.added = far;
    d.added_count = 1;
    CHECK(tok_build(&d, &t) == MLAVK_ERR_FORMAT && strstr(mlavk_last_error(), "beyond the vocabulary"));
    d = small_vocab();
    static const tok_text broken[] = {T("[a-")};
    d.split_regexes = broken;
    CHECK(tok_build(&d, &t) == MLAVK_ERR_FORMAT && strstr(mlavk_last_error(), "does not compile"));
    d = small_vocab();
    d.bos_id = TOKEN_COUNT;
    CHECK(tok_build(&d, &t) == MLAVK_ERR_FORMAT && strstr(mlavk_last_error(), "BOS"));
    CHECK(t == NULL);
}

/* A regex that can match the empty string (here everywhere but before "b") splits nothing there. */
static void check_empty_matches(void)
{
    static const tok_text empty_matching[] = {T("b*")};
    tok_vocab_desc d = small_vocab();
    d.split_regexes = empty_matching;
    mlavk_tokenizer *t;
    CHECK(tok_build(&d, &t) == MLAVK_OK);
    if (t) {
        EXPECT(t, "aab", ID_AA, 'b');
        EXPECT(t, "ca", 'c', 'a');
        mlavk_tokenizer_free(t);
    }
}

/* ignore_merges: a word that is a token is that token, even one the merges never make ("abc" with only b+c
 * merged gives a + bc otherwise); any other word is merged as usual. */
static void check_ignore_merges(void)
{
    tok_vocab_desc d = small_vocab();
    d.merge_count = 1;
    mlavk_tokenizer *t;
    CHECK(tok_build(&d, &t) == MLAVK_OK);
    if (t) {
        EXPECT(t, "abc", 'a', ID_BC);
        mlavk_tokenizer_free(t);
    }
    d.ignore_merges = true;
    CHECK(tok_build(&d, &t) == MLAVK_OK);
    if (t) {
        EXPECT(t, "abc", ID_ABC);
        EXPECT(t, "abc", ID_ABC); /* again, from the word cache */
        EXPECT(t, "aaaaaaaa", ID_A8);
        EXPECT(t, "abcb", 'a', ID_BC, 'b');
        EXPECT(t, " abc", ' ', 'a', ID_BC); /* one word here, and no token: merged as usual */
        mlavk_tokenizer_free(t);
    }
}

int main(void)
{
    make_tokens();
    tok_vocab_desc d = small_vocab();
    mlavk_tokenizer *t;
    mlavk_status status = tok_build(&d, &t);
    CHECK_MSG(status == MLAVK_OK, "build: %s", mlavk_last_error());
    if (status == MLAVK_OK) {
        check_merging(t);
        check_added(t);
        mlavk_tokenizer_free(t);
    }
    check_refusals();
    check_empty_matches();
    check_ignore_merges();
    return test_finish("tokenizer_bpe");
}
