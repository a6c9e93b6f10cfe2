/* UTF-8 repair replaces each maximal invalid subsequence with one U+FFFD (Unicode's "best practice", as
 * WHATWG and Python do); the lax reading matches llama.cpp's; the streaming decoder's hold-back finds unfinished
 * characters; the byte-level alphabet is a bijection. */
#include <string.h>

#include "test_util.h"
#include "tokenizer/tok_utf8.h"

static void check_repair(const char *input, size_t length, const char *want)
{
    char out[64];
    size_t n = tok_utf8_repair(input, length, out);
    CHECK_MSG(n == strlen(want) && memcmp(out, want, n) == 0, "repair of %zu bytes gave %zu bytes, want %zu",
              length, n, strlen(want));
}

#define R "\xEF\xBF\xBD"

static void check_repairs(void)
{
    check_repair("abc", 3, "abc");
    check_repair("\xFF", 1, R);
    check_repair("\xC0\xAF", 2, R R);          /* overlong lead: each byte on its own */
    check_repair("\xE0\x80\x80", 3, R R R);    /* E0 needs A0..BF next */
    check_repair("\xED\xA0\x80", 3, R R R);    /* surrogates are not characters */
    check_repair("\xF4\x90\x80\x80", 4, R R R R);
    check_repair("\xE4\xBD", 2, R);            /* a truncated character is one subsequence */
    check_repair("\xF0\x9F\x98", 3, R);
    check_repair("\xE2\x28\xA1", 3, R "(" R);
    check_repair("a\xF0\x9F\x98\x80" "b", 6, "a\xF0\x9F\x98\x80" "b");
    CHECK(tok_utf8_valid("\xF4\x8F\xBF\xBF", 4));
    CHECK(!tok_utf8_valid("\xC3", 1));
}

static void check_incomplete_tail(void)
{
    CHECK(tok_utf8_incomplete_tail("ab", 2) == 0);
    CHECK(tok_utf8_incomplete_tail("a\xE4", 2) == 1);
    CHECK(tok_utf8_incomplete_tail("a\xE4\xBD", 3) == 2);
    CHECK(tok_utf8_incomplete_tail("\xF0\x9F\x98", 3) == 3);
    CHECK(tok_utf8_incomplete_tail("\xE4\xBD\xA0", 3) == 0); /* complete */
    CHECK(tok_utf8_incomplete_tail("\xE0\x80", 2) == 0);     /* can never complete */
    CHECK(tok_utf8_incomplete_tail("\xFF", 1) == 0);
    CHECK(tok_utf8_incomplete_tail("\xC0", 1) == 0);
    CHECK(tok_utf8_incomplete_tail("\x80\x80\x80", 3) == 0);
}

static void check_alphabet(void)
{
    int seen[324] = {0};
    for (int byte = 0; byte < 256; byte++) {
        uint32_t cp = tok_byte_to_codepoint((uint8_t)byte);
        CHECK_MSG(cp < 324 && !seen[cp], "byte %d maps to %u", byte, cp);
        if (cp < 324)
            seen[cp] = 1;
        CHECK(tok_codepoint_to_byte(cp) == byte);
    }
    CHECK(tok_byte_to_codepoint(' ') == 0x120);  /* Ġ */
    CHECK(tok_byte_to_codepoint('\n') == 0x10A); /* Ċ */
    CHECK(tok_byte_to_codepoint('A') == 'A');
    CHECK(tok_codepoint_to_byte(' ') == -1);
    CHECK(tok_codepoint_to_byte(324) == -1);
}

static void check_lax(const char *input, size_t length, const char *want_bytes, const char *want_text)
{
    char text[64], bytes[64];
    size_t n = tok_utf8_read_lax(input, length, text, bytes);
    CHECK_MSG(n == strlen(want_bytes) && memcmp(bytes, want_bytes, n) == 0 && memcmp(text, want_text, n) == 0 &&
                  tok_utf8_valid(text, n),
              "lax read of %zu bytes gave %zu bytes, want %zu", length, n, strlen(want_bytes));
}

/* llama.cpp's reading: a lead byte with its continuation bytes decodes whatever they encode; every other byte is
 * U+FFFD on its own. */
static void check_lax_reads(void)
{
    check_lax("abc", 3, "abc", "abc");
    check_lax("\xFF", 1, R, R);
    check_lax("\xC0\xAF", 2, "/", "/");                      /* overlong: its code point */
    check_lax("\xE4\xBD", 2, R R, R R);                      /* truncated: each byte */
    check_lax("\xF0\x9F\x98", 3, R R R, R R R);
    check_lax("\xED\xA0\x80", 3, "\xED\xA0\x80", "\xEE\x80\x80"); /* a surrogate; U+E000 for the regexes */
    check_lax("\xF4\x90\x80\x80", 4, R R R R, R R R R);      /* above U+10FFFF, where llama.cpp throws */
    check_lax("\xF8\x88\x80\x80", 4, R R R R, R R R R);
    check_lax("a\xE2\x28\xA1", 4, "a" R "(" R, "a" R "(" R);
    check_lax("\xF0\x9F\x98\x80", 4, "\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80");
    char text[9], bytes[9]; /* overlong U+0000 is one NUL byte */
    CHECK(tok_utf8_read_lax("\xE0\x80\x80", 3, text, bytes) == 1 && bytes[0] == 0 && text[0] == 0);
}

int main(void)
{
    check_repairs();
    check_lax_reads();
    check_incomplete_tail();
    check_alphabet();
    return test_finish("tokenizer_utf8");
}
