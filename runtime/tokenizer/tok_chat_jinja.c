/* A chat template's Jinja text read the way Jinja's lexer reads it (enough to recognise a template and to take
 * texts from it; nothing is evaluated), and the marker table that says which family a template is. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer/tok_chat.h"
#include "tokenizer/tok_utf8.h"
#include "util/status.h"

void tok_chat_append(tok_chat_text *b, const char *text, size_t length)
{
    if (b->failed)
        return;
    if (b->length + length + 1 > b->capacity) {
        size_t capacity = 2 * (b->length + length + 1);
        char *grown = realloc(b->data, capacity);
        if (!grown) {
            b->failed = true;
            return;
        }
        b->data = grown;
        b->capacity = capacity;
    }
    memcpy(b->data + b->length, text, length);
    b->length += length;
    b->data[b->length] = '\0';
}

void tok_chat_append_str(tok_chat_text *b, const char *text) { tok_chat_append(b, text, strlen(text)); }

/* ---- Python's whitespace ---------------------------------------------------------------------------- */

bool tok_py_isspace(unsigned c)
{
    return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
           c == 0x3000;
}

/* The code point of the valid UTF-8 sequence at text (n bytes), or -1. */
static long decode_at(const char *text, size_t length, size_t *n)
{
    size_t subpart;
    *n = tok_utf8_sequence((const uint8_t *)text, length, &subpart);
    if (*n == 0)
        return -1;
    const uint8_t *s = (const uint8_t *)text;
    if (*n == 1)
        return s[0];
    unsigned c = s[0] & (0x7f >> *n);
    for (size_t i = 1; i < *n; i++)
        c = (c << 6) | (s[i] & 0x3f);
    return (long)c;
}

size_t tok_py_lspace(const char *text, size_t length)
{
    size_t at = 0, n;
    long c;
    while (at < length && (c = decode_at(text + at, length - at, &n)) >= 0 && tok_py_isspace((unsigned)c))
        at += n;
    return at;
}

size_t tok_py_rspace(const char *text, size_t length)
{
    size_t end = length;
    while (end > 0) {
        size_t start = end - 1;
        while (start > 0 && end - start < 4 && ((uint8_t)text[start] & 0xc0) == 0x80)
            start--;
        size_t n;
        long c = decode_at(text + start, end - start, &n);
        if (c < 0 || n != end - start || !tok_py_isspace((unsigned)c))
            break;
        end = start;
    }
    return length - end;
}

/* ---- The lexer ---------------------------------------------------------------------------------------- */

static bool ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/* Resolves the escape after a backslash in a string literal; 0 when mlavk does not resolve it. */
static char escape_value(char c)
{
    switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case '\\': return '\\';
    case '\'': return '\'';
    case '"': return '"';
    default: return 0;
    }
}

bool tok_jinja_string_literal(const char *text, size_t length, tok_chat_text *value, size_t *end)
{
    size_t i = 0;
    while (i < length && ascii_space(text[i]))
        i++;
    if (i == length || (text[i] != '\'' && text[i] != '"'))
        return false;
    char quote = text[i++];
    for (; i < length; i++) {
        if (text[i] == quote) {
            *end = i + 1;
            return !value->failed;
        }
        if (text[i] == '\\') {
            char c = i + 1 < length ? escape_value(text[i + 1]) : 0;
            if (!c)
                return false;
            tok_chat_append(value, &c, 1);
            i++;
        } else {
            tok_chat_append(value, &text[i], 1);
        }
    }
    return false;
}

/* Where the tag whose contents start at `at` ends: the offset of its closing delimiter, skipping string
 * literals ({{ }} and {% %}); (size_t)-1 when it is never closed. */
static size_t tag_end(const char *s, size_t n, size_t at, char kind)
{
    char close = kind == '{' ? '}' : kind;
    char quote = 0;
    for (size_t i = at; i + 1 < n; i++) {
        if (quote) {
            if (s[i] == '\\')
                i++;
            else if (s[i] == quote)
                quote = 0;
        } else if (kind != '#' && (s[i] == '\'' || s[i] == '"')) {
            quote = s[i];
        } else if (s[i] == close && s[i + 1] == '}') {
            return i;
        }
    }
    return (size_t)-1;
}

static void add_part(tok_jinja *j, tok_chat_text *canon, tok_jinja_part *parts, tok_jinja_kind kind,
                     size_t offset, const char *raw, size_t raw_length)
{
    if (canon->failed || canon->length == offset)
        return;
    parts[j->count++] = (tok_jinja_part){kind, offset, canon->length - offset, raw, raw_length};
}

/* The tag's contents without whitespace outside string literals, escapes resolved. */
static void canonical_tag(tok_chat_text *canon, const char *s, size_t length)
{
    char quote = 0;
    for (size_t i = 0; i < length; i++) {
        char c = s[i];
        if (quote) {
            char e = c == '\\' && i + 1 < length ? escape_value(s[i + 1]) : 0;
            if (e) {
                tok_chat_append(canon, &e, 1);
                i++;
                continue;
            }
            if (c == quote)
                quote = 0;
            tok_chat_append(canon, &c, 1);
        } else if (c == '\'' || c == '"') {
            quote = c;
            tok_chat_append(canon, &c, 1);
        } else if (!ascii_space(c)) {
            tok_chat_append(canon, &c, 1);
        }
    }
}

/* Jinja's newline normalisation (\r\n and \r become \n) and the dropped final newline (keep_trailing_newline
 * is off). */
static char *normalise_source(const char *text, size_t *length)
{
    size_t n = strlen(text);
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '\r') {
            s[k++] = '\n';
            if (i + 1 < n && text[i + 1] == '\n')
                i++;
        } else {
            s[k++] = text[i];
        }
    }
    if (k > 0 && s[k - 1] == '\n')
        k--;
    s[k] = '\0';
    *length = k;
    return s;
}

mlavk_status tok_jinja_parse(const char *template_text, tok_jinja *out)
{
    memset(out, 0, sizeof *out);
    size_t n;
    char *s = normalise_source(template_text, &n);
    /* Every part starts at a tag or just after one, so 2 per tag (plus the text after the last) is enough. */
    size_t tags = 0;
    for (size_t i = 0; s && i + 1 < n; i++)
        tags += s[i] == '{' && (s[i + 1] == '{' || s[i + 1] == '%' || s[i + 1] == '#');
    tok_jinja_part *parts = s ? malloc((2 * tags + 1) * sizeof *parts) : NULL;
    tok_chat_text canon = {0};
    if (!parts) {
        free(s);
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "chat template: out of memory");
    }
    out->parts = parts;
    bool line_starting = true;
    size_t pos = 0;
    mlavk_status status = MLAVK_OK;
    while (pos <= n) {
        size_t t = pos;
        while (t + 1 < n && !(s[t] == '{' && (s[t + 1] == '{' || s[t + 1] == '%' || s[t + 1] == '#')))
            t++;
        if (t + 1 >= n) { /* no more tags */
            size_t offset = canon.length;
            tok_chat_append(&canon, s + pos, n - pos);
            add_part(out, &canon, parts, TOK_JINJA_DATA, offset, NULL, 0);
            break;
        }
        char kind = s[t + 1];
        char begin_mark = t + 2 < n && (s[t + 2] == '-' || s[t + 2] == '+') ? s[t + 2] : 0;
        size_t data_length = t - pos;
        if (begin_mark == '-') {
            data_length -= tok_py_rspace(s + pos, data_length);
        } else if (begin_mark != '+' && kind != '{') { /* lstrip_blocks */
            size_t line = data_length;
            while (line > 0 && s[pos + line - 1] != '\n')
                line--;
            size_t rest = data_length - line;
            if ((line > 0 || line_starting) && rest > 0 && tok_py_lspace(s + pos + line, rest) == rest)
                data_length = line;
        }
        size_t offset = canon.length;
        tok_chat_append(&canon, s + pos, data_length);
        add_part(out, &canon, parts, TOK_JINJA_DATA, offset, NULL, 0);
        size_t inner = t + 2 + (begin_mark ? 1 : 0);
        size_t close = inner <= n ? tag_end(s, n, inner, kind) : (size_t)-1;
        if (close == (size_t)-1) {
            status = mlavk_fail(MLAVK_ERR_UNSUPPORTED, "chat template: the tag at byte %zu is never closed", t);
            break;
        }
        char end_mark = close > inner && (s[close - 1] == '-' || s[close - 1] == '+') ? s[close - 1] : 0;
        size_t inner_end = close - (end_mark ? 1 : 0);
        size_t after = close + 2;
        if (end_mark == '-')
            after += tok_py_lspace(s + after, n - after);
        else if (end_mark != '+' && kind != '{' && after < n && s[after] == '\n') /* trim_blocks */
            after++;
        line_starting = after > close + 2 && s[after - 1] == '\n';
        if (kind != '#') {
            offset = canon.length;
            tok_chat_append_str(&canon, kind == '%' ? "{%" : "{{");
            canonical_tag(&canon, s + inner, inner_end - inner);
            tok_chat_append_str(&canon, kind == '%' ? "%}" : "}}");
            add_part(out, &canon, parts, kind == '%' ? TOK_JINJA_BLOCK : TOK_JINJA_EXPR, offset, s + inner,
                     inner_end - inner);
        }
        pos = after;
    }
    if (!canon.data)
        tok_chat_append(&canon, "", 0);
    if (status == MLAVK_OK && canon.failed)
        status = mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "chat template: out of memory");
    out->text = canon.data;
    out->length = canon.length;
    out->source = s;
    if (status != MLAVK_OK)
        tok_jinja_free(out);
    return status;
}

void tok_jinja_free(tok_jinja *j)
{
    free(j->text);
    free(j->parts);
    free(j->source);
    memset(j, 0, sizeof *j);
}

char *tok_jinja_part_text(const tok_jinja *j, size_t i)
{
    char *copy = malloc(j->parts[i].length + 1);
    if (copy) {
        memcpy(copy, j->text + j->parts[i].offset, j->parts[i].length);
        copy[j->parts[i].length] = '\0';
    }
    return copy;
}
