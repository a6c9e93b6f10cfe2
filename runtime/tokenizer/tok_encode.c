/* Encoding: added tokens are found in the raw text first; the text between them (in NFC for tokenizers that
 * normalize) is split by the pre-tokenizer regexes and each piece is byte-pair encoded. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "tokenizer/tok_internal.h"
#include "tokenizer/tok_utf8.h"
#include "util/status.h"

mlavk_status tok_compile_regexes(mlavk_tokenizer *t, const tok_text *regexes, uint32_t count)
{
    t->regexes = calloc(count ? count : 1, sizeof *t->regexes);
    if (!t->regexes)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory for the pre-tokenizer", t->source);
    for (uint32_t i = 0; i < count; i++) {
        int error;
        PCRE2_SIZE error_offset;
        t->regexes[i] = pcre2_compile((PCRE2_SPTR)regexes[i].bytes, regexes[i].length, PCRE2_UTF | PCRE2_UCP,
                                      &error, &error_offset, NULL);
        if (!t->regexes[i]) {
            PCRE2_UCHAR message[160];
            pcre2_get_error_message(error, message, sizeof message);
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: pre-tokenizer regex %u does not compile at offset %zu: %s",
                              t->source, i, (size_t)error_offset, (const char *)message);
        }
        t->regex_count = i + 1;
        /* JIT is only a speed-up: without it (or on a platform that lacks it) matching is the same. */
        pcre2_jit_compile(t->regexes[i], PCRE2_JIT_COMPLETE);
    }
    t->match = pcre2_match_data_create(4, NULL);
    if (!t->match)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory for the pre-tokenizer", t->source);
    return MLAVK_OK;
}

static size_t utf8_char_length(const char *text, size_t length)
{
    size_t subpart, n = tok_utf8_sequence((const uint8_t *)text, length, &subpart);
    return n ? n : subpart;
}

/* Splits text with regex `level` (matches and the gaps between them each become a piece) and hands every
 * piece to the next level; past the last level a piece is one word for BPE. bytes is what BPE encodes at the
 * same offsets: text itself, or (lax UTF-8) its twin from tok_utf8_read_lax. */
static mlavk_status split_level(mlavk_tokenizer *t, uint32_t level, const char *text, const char *bytes,
                                size_t length, tok_ids *out)
{
    if (length == 0)
        return MLAVK_OK;
    if (level == t->regex_count)
        return tok_bpe_word(t, bytes, length, out);
    size_t gap_start = 0, offset = 0;
    while (offset < length) {
        int rc = pcre2_match(t->regexes[level], (PCRE2_SPTR)text, length, offset, PCRE2_NO_UTF_CHECK, t->match,
                             NULL);
        if (rc == PCRE2_ERROR_NOMATCH)
            break;
        if (rc < 0)
            return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "%s: pre-tokenizer regex %u failed (PCRE2 error %d)",
                              t->source, level, rc);
        PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(t->match);
        size_t start = ovector[0], end = ovector[1];
        if (end == start) {
            /* An empty match splits nothing; step over one character. */
            if (start >= length)
                break;
            offset = start + utf8_char_length(text + start, length - start);
            continue;
        }
        MLAVK_TRY(split_level(t, level + 1, text + gap_start, bytes + gap_start, start - gap_start, out));
        MLAVK_TRY(split_level(t, level + 1, text + start, bytes + start, end - start, out));
        gap_start = offset = end;
    }
    return split_level(t, level + 1, text + gap_start, bytes + gap_start, length - gap_start, out);
}

mlavk_status tok_encode_plain(mlavk_tokenizer *t, const char *text, size_t length, tok_ids *out)
{
    if (!t->lax_utf8 || tok_utf8_valid(text, length))
        return split_level(t, 0, text, text, length, out);
    char *regex_text = malloc(3 * length), *bytes = malloc(3 * length);
    mlavk_status status = MLAVK_OK;
    if (!regex_text || !bytes)
        status = mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "mlavk_tokenize: out of memory for %zu bytes", length);
    else
        status = split_level(t, 0, regex_text, bytes, tok_utf8_read_lax(text, length, regex_text, bytes), out);
    free(regex_text);
    free(bytes);
    return status;
}

static bool is_word_byte(uint8_t byte)
{
    /* Any non-ASCII byte counts as part of a word: letters of other scripts must not end a single word. */
    return byte >= 0x80 || byte == '_' || (byte >= '0' && byte <= '9') || ((byte | 0x20) >= 'a' && (byte | 0x20) <= 'z');
}

/* Unicode White_Space, which HF's lstrip/rstrip (Rust char::is_whitespace) strip. */
static bool is_unicode_space(uint32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
           cp == 0x3000;
}

/* The code point of the (valid) UTF-8 character at text[at] and its length. */
static uint32_t codepoint_at(const char *text, size_t length, size_t at, size_t *n)
{
    const uint8_t *p = (const uint8_t *)text + at;
    *n = utf8_char_length(text + at, length - at);
    if (*n == 1)
        return p[0];
    uint32_t cp = p[0] & (0x7F >> *n);
    for (size_t i = 1; i < *n; i++)
        cp = cp << 6 | (p[i] & 0x3F);
    return cp;
}

static size_t skip_spaces_forward(const char *text, size_t length, size_t at)
{
    size_t n;
    while (at < length && is_unicode_space(codepoint_at(text, length, at, &n)))
        at += n;
    return at;
}

static size_t skip_spaces_backward(const char *text, size_t start, size_t end)
{
    while (end > start) {
        size_t prev = end - 1, n;
        while (prev > start && ((uint8_t)text[prev] & 0xC0) == 0x80)
            prev--;
        if (!is_unicode_space(codepoint_at(text, end, prev, &n)))
            break;
        end = prev;
    }
    return end;
}

/* The longest added token starting at text[at], or NULL. */
static const tok_added *added_at(const mlavk_tokenizer *t, const char *text, size_t length, size_t at)
{
    uint8_t first = (uint8_t)text[at];
    for (uint32_t i = t->added_start[first]; i < t->added_start[first + 1]; i++) {
        const tok_added *a = &t->added[i];
        if (a->length > length - at || memcmp(text + at, t->added_text + a->offset, a->length) != 0)
            continue;
        if (a->single_word && ((at > 0 && is_word_byte((uint8_t)text[at - 1])) ||
                               (at + a->length < length && is_word_byte((uint8_t)text[at + a->length]))))
            continue;
        return a;
    }
    return NULL;
}

/* Text between added tokens, in NFC first when the tokenizer normalizes (HF matches unnormalized added tokens on
 * the raw text and normalizes the rest). The text is valid UTF-8 here: non-lax tokenizers repair it first. */
static mlavk_status encode_segment(mlavk_tokenizer *t, const char *text, size_t length, tok_ids *out)
{
    if (!t->nfc || length == 0)
        return tok_encode_plain(t, text, length, out);
    utf8proc_uint8_t *nfc = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)text, (utf8proc_ssize_t)length, &nfc,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (n < 0)
        return mlavk_fail(n == UTF8PROC_ERROR_NOMEM ? MLAVK_ERR_OUT_OF_HOST_MEMORY : MLAVK_ERR_INVALID_ARGUMENT,
                          "%s: NFC normalization failed: %s", t->source, utf8proc_errmsg(n));
    mlavk_status status = tok_encode_plain(t, (const char *)nfc, (size_t)n, out);
    free(nfc);
    return status;
}

static mlavk_status encode_text(mlavk_tokenizer *t, const char *text, size_t length, tok_ids *out)
{
    size_t segment_start = 0, at = 0;
    while (at < length) {
        const tok_added *a = t->added_start[(uint8_t)text[at] + 1] > t->added_start[(uint8_t)text[at]]
                                 ? added_at(t, text, length, at)
                                 : NULL;
        if (!a) {
            at++;
            continue;
        }
        size_t segment_end = a->lstrip ? skip_spaces_backward(text, segment_start, at) : at;
        MLAVK_TRY(encode_segment(t, text + segment_start, segment_end - segment_start, out));
        MLAVK_TRY(tok_ids_push(out, (int32_t)a->id));
        at += a->length;
        if (a->rstrip)
            at = skip_spaces_forward(text, length, at);
        segment_start = at;
    }
    return encode_segment(t, text + segment_start, length - segment_start, out);
}

mlavk_status mlavk_tokenize(mlavk_tokenizer *t, const char *text, size_t length, int add_bos, int32_t **ids,
                            size_t *count)
{
    *ids = NULL;
    *count = 0;
    if (!t || (!text && length))
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "mlavk_tokenize: no tokenizer or no text");
    char *repaired = NULL;
    /* Lax tokenizers read invalid UTF-8 piece by piece, between added tokens found in the raw bytes, as llama.cpp
     * does (tok_encode_plain). */
    if (!t->lax_utf8 && !tok_utf8_valid(text, length)) {
        repaired = malloc(3 * length);
        if (!repaired)
            return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "mlavk_tokenize: out of memory for %zu bytes", length);
        length = tok_utf8_repair(text, length, repaired);
        text = repaired;
    }
    tok_ids out = {0};
    mlavk_status status = MLAVK_OK;
    bool bos = add_bos < 0 ? t->add_bos : add_bos > 0;
    if (bos && t->bos_id < 0)
        status = mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "%s: a BOS token was asked for but the tokenizer has none",
                            t->source);
    else if (bos)
        status = tok_ids_push(&out, t->bos_id);
    if (status == MLAVK_OK && length > 0)
        status = encode_text(t, text, length, &out);
    free(repaired);
    if (status != MLAVK_OK) {
        free(out.ids);
        return status;
    }
    *ids = out.ids;
    *count = out.count;
    return MLAVK_OK;
}
