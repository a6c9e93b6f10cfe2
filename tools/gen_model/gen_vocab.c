/* A small byte-level BPE vocabulary: BOS, EOS, the 256 byte tokens in byte order, then merged tokens (a
 * hand-written list of common English merges, then systematic letter extensions up to the vocab size). */
#include "gen_model.h"

#include <stdlib.h>
#include <string.h>

/* In raw text; spaces and newlines become their byte-level symbols. Entries whose parts are not (yet)
 * tokens are skipped, so the list only needs to be mostly in order. */
static const char *const english_merges[][2] = {
    {" ", "t"}, {" ", "a"}, {"h", "e"}, {"i", "n"}, {"r", "e"}, {"o", "n"}, {" t", "he"}, {"e", "r"},
    {" ", "s"}, {"a", "t"}, {" ", "w"}, {" ", "o"}, {"e", "n"}, {" ", "c"}, {"i", "t"}, {"i", "s"},
    {"a", "n"}, {"o", "r"}, {"e", "s"}, {" ", "b"}, {"e", "d"}, {" ", "f"}, {"in", "g"}, {" ", "p"},
    {"o", "u"}, {" a", "n"}, {"a", "r"}, {" t", "o"}, {" ", "m"}, {" o", "f"}, {" ", "in"}, {" ", "d"},
    {" ", "h"}, {" an", "d"}, {"l", "l"}, {"l", "e"}, {"t", "h"}, {" ", "th"}, {" ", "I"}, {" ", "y"},
    {"ou", "r"}, {" y", "ou"}, {" ", "l"}, {" ", "n"}, {"e", "a"}, {" ", "g"}, {"s", "t"}, {"\n", "\n"},
    {" m", "y"}, {" w", "h"}, {" th", "at"}, {"o", "w"}, {" ", "e"}, {"e", "l"}, {" ", "r"}, {" s", "t"},
    {"v", "e"}, {" h", "is"}, {" b", "e"}, {" w", "it"}, {" wit", "h"}, {"o", "t"}, {" n", "ot"},
    {" h", "a"}, {" ha", "ve"}, {"l", "y"}, {" ", "A"}, {" ", "T"}, {" T", "he"}, {"o", "m"}, {"i", "r"},
    {"g", "h"}, {" ", "k"}, {"in", "d"}, {"e", "t"}, {"a", "y"}, {" f", "or"}, {" s", "he"}, {" ", "is"},
    {" ", "it"}, {" m", "e"}, {" w", "e"}, {"u", "s"}, {" l", "o"}, {" lo", "ve"}, {" ", "K"}, {" ", "G"},
    {" ", "L"},
};

typedef struct builder {
    gen_vocab *v;
    uint32_t *slots; /* open-addressing set of token ids by display text; UINT32_MAX = empty */
    uint32_t mask;
    char display[256][4]; /* GPT-2 byte-to-unicode symbol of each byte, UTF-8 */
} builder;

static void byte_symbols(builder *b)
{
    uint32_t next = 256;
    for (int c = 0; c < 256; c++) {
        bool printable = (c >= 33 && c <= 126) || (c >= 161 && c <= 172) || (c >= 174 && c <= 255);
        uint32_t cp = printable ? (uint32_t)c : next++;
        char *s = b->display[c];
        if (cp < 0x80) {
            s[0] = (char)cp, s[1] = 0;
        } else { /* all symbols are below U+0800: two UTF-8 bytes */
            s[0] = (char)(0xc0 | (cp >> 6)), s[1] = (char)(0x80 | (cp & 0x3f)), s[2] = 0;
        }
    }
}

static uint32_t *slot_of(builder *b, const char *text)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const char *p = text; *p; p++)
        h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
    for (uint32_t i = (uint32_t)h & b->mask;; i = (i + 1) & b->mask)
        if (b->slots[i] == UINT32_MAX || strcmp(b->v->tokens[b->slots[i]], text) == 0)
            return &b->slots[i];
}

static bool add_token(builder *b, const char *text, int32_t type)
{
    uint32_t *slot = slot_of(b, text);
    if (*slot != UINT32_MAX)
        return false;
    gen_vocab *v = b->v;
    v->tokens[v->n_tokens] = strcpy(gen_alloc(strlen(text) + 1), text);
    v->types[v->n_tokens] = type;
    *slot = v->n_tokens++;
    return true;
}

/* Adds the merge of two display strings when both are tokens and the result is new. */
static void add_merge(builder *b, const char *left, const char *right)
{
    if (*slot_of(b, left) == UINT32_MAX || *slot_of(b, right) == UINT32_MAX)
        return;
    size_t nl = strlen(left), nr = strlen(right);
    char *joined = gen_alloc(nl + nr + 1);
    memcpy(joined, left, nl);
    memcpy(joined + nl, right, nr + 1);
    if (add_token(b, joined, 1)) {
        char *merge = gen_alloc(nl + nr + 2);
        snprintf(merge, nl + nr + 2, "%s %s", left, right);
        b->v->merges[b->v->n_merges++] = merge;
    }
    free(joined);
}

static void display_of(const builder *b, const char *raw, char *out, size_t size)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)raw; *p && n + 3 < size; p++)
        for (const char *s = b->display[*p]; *s; s++)
            out[n++] = *s;
    out[n] = 0;
}

/* Lowercase letters, optionally after the space symbol (U+0120, bytes C4 A0). */
static bool is_word(const char *s)
{
    if ((unsigned char)s[0] == 0xc4 && (unsigned char)s[1] == 0xa0)
        s += 2;
    if (!*s || strlen(s) > 10)
        return false;
    for (; *s; s++)
        if (*s < 'a' || *s > 'z')
            return false;
    return true;
}

void gen_vocab_build(uint32_t vocab_size, gen_vocab *vocab)
{
    memset(vocab, 0, sizeof *vocab);
    builder b = {.v = vocab};
    uint32_t slots = 16;
    while (slots < 2 * vocab_size)
        slots *= 2;
    b.slots = gen_alloc(slots * sizeof *b.slots);
    memset(b.slots, 0xff, slots * sizeof *b.slots);
    b.mask = slots - 1;
    vocab->tokens = gen_alloc(vocab_size * sizeof *vocab->tokens);
    vocab->types = gen_alloc(vocab_size * sizeof *vocab->types);
    vocab->merges = gen_alloc(vocab_size * sizeof *vocab->merges);
    byte_symbols(&b);
    vocab->bos = 0, vocab->eos = 1;
    add_token(&b, "<\xef\xbd\x9c" "begin\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>", 3);
    add_token(&b, "<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>", 3);
    for (int c = 0; c < 256; c++)
        add_token(&b, b.display[c], 1);
    size_t n_english = sizeof english_merges / sizeof english_merges[0];
    for (size_t i = 0; i < n_english && vocab->n_tokens < vocab_size; i++) {
        char left[64], right[64];
        display_of(&b, english_merges[i][0], left, sizeof left);
        display_of(&b, english_merges[i][1], right, sizeof right);
        add_merge(&b, left, right);
    }
    static const char letters[] = "etaoinshrdlcumwfgypbvk";
    for (uint32_t a = 2; vocab->n_tokens < vocab_size; a++) {
        if (a >= vocab->n_tokens)
            gen_die("vocabulary: ran out of merge candidates at %u tokens", vocab->n_tokens);
        if (!is_word(vocab->tokens[a]))
            continue;
        for (const char *l = letters; *l && vocab->n_tokens < vocab_size; l++) {
            char right[2] = {*l, 0};
            add_merge(&b, vocab->tokens[a], right);
        }
    }
    free(b.slots);
}

void gen_vocab_free(gen_vocab *vocab)
{
    for (uint32_t i = 0; i < vocab->n_tokens; i++)
        free(vocab->tokens[i]);
    for (uint32_t i = 0; i < vocab->n_merges; i++)
        free(vocab->merges[i]);
    free(vocab->tokens);
    free(vocab->types);
    free(vocab->merges);
    memset(vocab, 0, sizeof *vocab);
}
