#include "tokenizer/tok_utf8.h"

#include <string.h>

static bool is_continuation(uint8_t byte, uint8_t low, uint8_t high) { return byte >= low && byte <= high; }

size_t tok_utf8_sequence(const uint8_t *text, size_t length, size_t *maximal_subpart)
{
    uint8_t lead = text[0];
    *maximal_subpart = 1;
    if (lead < 0x80)
        return 1;
    size_t need;
    uint8_t low = 0x80, high = 0xBF; /* the allowed range of the second byte, per Unicode table 3-7 */
    if (lead >= 0xC2 && lead <= 0xDF) {
        need = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        need = 3;
        low = lead == 0xE0 ? 0xA0 : 0x80;
        high = lead == 0xED ? 0x9F : 0xBF;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        need = 4;
        low = lead == 0xF0 ? 0x90 : 0x80;
        high = lead == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    for (size_t i = 1; i < need; i++) {
        bool ok = i < length && (i == 1 ? is_continuation(text[i], low, high) : is_continuation(text[i], 0x80, 0xBF));
        if (!ok) {
            *maximal_subpart = i;
            return 0;
        }
    }
    return need;
}

bool tok_utf8_valid(const char *text, size_t length)
{
    const uint8_t *bytes = (const uint8_t *)text;
    size_t i = 0, subpart;
    while (i < length) {
        if (bytes[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = tok_utf8_sequence(bytes + i, length - i, &subpart);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

size_t tok_utf8_incomplete_tail(const char *text, size_t length)
{
    const uint8_t *bytes = (const uint8_t *)text;
    /* A character is at most 4 bytes, so only the last 3 can be an unfinished one. */
    for (size_t back = 1; back <= 3 && back <= length; back++) {
        size_t start = length - back;
        if ((bytes[start] & 0xC0) == 0x80)
            continue;
        size_t subpart;
        if (tok_utf8_sequence(bytes + start, back, &subpart) == 0 && subpart == back && bytes[start] >= 0xC2 &&
            bytes[start] <= 0xF4)
            return back;
        return 0;
    }
    return 0;
}

size_t tok_utf8_repair(const char *text, size_t length, char *out)
{
    const uint8_t *bytes = (const uint8_t *)text;
    size_t i = 0, written = 0, subpart;
    while (i < length) {
        size_t n = bytes[i] < 0x80 ? 1 : tok_utf8_sequence(bytes + i, length - i, &subpart);
        if (n == 0) {
            memcpy(out + written, "\xEF\xBF\xBD", 3);
            written += 3;
            i += subpart;
        } else {
            memcpy(out + written, text + i, n);
            written += n;
            i += n;
        }
    }
    return written;
}

/* One code point as llama.cpp's unicode_cpt_from_utf8 reads it; false where it would throw. */
static bool lax_codepoint(const uint8_t *p, size_t length, uint32_t *cp, size_t *n)
{
    uint8_t lead = p[0];
    if (lead < 0x80) {
        *cp = lead;
        *n = 1;
        return true;
    }
    if ((lead & 0x40) == 0 || (lead & 0xF8) == 0xF8)
        return false;
    *n = (lead & 0x20) == 0 ? 2 : (lead & 0x10) == 0 ? 3 : 4;
    if (*n > length)
        return false;
    *cp = lead & (0x7F >> *n);
    for (size_t i = 1; i < *n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return false;
        *cp = *cp << 6 | (p[i] & 0x3F);
    }
    return *cp <= 0x10FFFF;
}

size_t tok_utf8_read_lax(const char *in, size_t length, char *text, char *bytes)
{
    const uint8_t *p = (const uint8_t *)in;
    size_t i = 0, written = 0;
    while (i < length) {
        uint32_t cp;
        size_t n;
        if (!lax_codepoint(p + i, length - i, &cp, &n)) {
            cp = 0xFFFD;
            n = 1;
        }
        i += n;
        size_t w = tok_utf8_encode(cp, bytes + written);
        if (cp >= 0xD800 && cp <= 0xDFFF)
            tok_utf8_encode(0xE000, text + written);
        else
            memcpy(text + written, bytes + written, w);
        written += w;
    }
    return written;
}

static bool byte_shows_as_itself(uint32_t byte)
{
    return (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) || (byte >= 0xAE && byte <= 0xFF);
}

/* The bytes not shown as themselves are 0-32, 127-160 and 173; they take code points 256-323 in that order. */
uint32_t tok_byte_to_codepoint(uint8_t byte)
{
    if (byte_shows_as_itself(byte))
        return byte;
    if (byte <= 32)
        return 256u + byte;
    if (byte <= 160)
        return 256u + 33 + (byte - 127u);
    return 256u + 67;
}

int tok_codepoint_to_byte(uint32_t codepoint)
{
    if (codepoint < 256)
        return byte_shows_as_itself(codepoint) ? (int)codepoint : -1;
    uint32_t k = codepoint - 256;
    if (k <= 32)
        return (int)k;
    if (k <= 66)
        return (int)(127 + k - 33);
    return k == 67 ? 173 : -1;
}

size_t tok_utf8_encode(uint32_t codepoint, char *out)
{
    uint8_t *o = (uint8_t *)out;
    if (codepoint < 0x80) {
        o[0] = (uint8_t)codepoint;
        return 1;
    }
    if (codepoint < 0x800) {
        o[0] = (uint8_t)(0xC0 | (codepoint >> 6));
        o[1] = (uint8_t)(0x80 | (codepoint & 0x3F));
        return 2;
    }
    if (codepoint < 0x10000) {
        o[0] = (uint8_t)(0xE0 | (codepoint >> 12));
        o[1] = (uint8_t)(0x80 | ((codepoint >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (codepoint & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | (codepoint >> 18));
    o[1] = (uint8_t)(0x80 | ((codepoint >> 12) & 0x3F));
    o[2] = (uint8_t)(0x80 | ((codepoint >> 6) & 0x3F));
    o[3] = (uint8_t)(0x80 | (codepoint & 0x3F));
    return 4;
}
