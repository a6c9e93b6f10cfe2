/* Chat templates, shared by the files of runtime/tokenizer (and their tests): the Jinja text of a model's
 * template read the way Jinja reads it (tok_chat_jinja.c), which family it is, and the C renderings
 * (tok_chat.c). The public API is in mlavk.h. */
#ifndef MLAVK_TOKENIZER_TOK_CHAT_H
#define MLAVK_TOKENIZER_TOK_CHAT_H

#include <stdbool.h>
#include <stddef.h>

#include "mlavk.h"

/* A growing NUL-terminated string; failed is set (and the text left as it was) when memory runs out. */
typedef struct tok_chat_text {
    char *data;
    size_t length, capacity;
    bool failed;
} tok_chat_text;

void tok_chat_append(tok_chat_text *b, const char *text, size_t length);
void tok_chat_append_str(tok_chat_text *b, const char *text);

typedef enum tok_jinja_kind {
    TOK_JINJA_DATA,  /* text outside tags, as Jinja outputs it */
    TOK_JINJA_BLOCK, /* {% ... %} */
    TOK_JINJA_EXPR,  /* {{ ... }} */
} tok_jinja_kind;

typedef struct tok_jinja_part {
    tok_jinja_kind kind;
    size_t offset, length; /* in the canonical text */
    const char *raw;       /* tags: the text between the delimiters (and their - or +), in the template */
    size_t raw_length;
} tok_jinja_part;

/* A template in canonical form: comments dropped; text between tags as Jinja outputs it with the settings
 * Hugging Face renders chat templates with (trim_blocks, lstrip_blocks, - and + markers, no trailing newline);
 * tags as {%...%} and {{...}} with the whitespace outside string literals removed, the - and + markers dropped
 * and the escapes of string literals resolved (\n, \t, \r, \\, \', \"). Two templates that differ only in
 * layout have the same canonical text, so the markers a family is recognised by are written in this form. */
typedef struct tok_jinja {
    char *text;
    size_t length;
    tok_jinja_part *parts;
    size_t count;
    char *source; /* the template with its newlines normalised (what raw points into) */
} tok_jinja;

/* Fails (MLAVK_ERR_UNSUPPORTED) on a tag that is never closed, and when out of memory. */
mlavk_status tok_jinja_parse(const char *template_text, tok_jinja *out);
void tok_jinja_free(tok_jinja *jinja);
/* The canonical text of part i, NUL-terminated in a scratch copy owned by the caller (free()), or NULL. */
char *tok_jinja_part_text(const tok_jinja *jinja, size_t i);

/* The value of a Jinja string literal at the start of text (up to length bytes, whitespace before it skipped),
 * with its escapes resolved; *end receives the offset just past the closing quote. False when there is no
 * literal there or it uses an escape other than \n \t \r \\ \' \". */
bool tok_jinja_string_literal(const char *text, size_t length, tok_chat_text *value, size_t *end);

/* Python's str.isspace() for one code point; and the length of the whitespace (in Python's sense) at the start
 * and end of a UTF-8 text. */
bool tok_py_isspace(unsigned codepoint);
size_t tok_py_lspace(const char *text, size_t length);
size_t tok_py_rspace(const char *text, size_t length);

/* Which family a template is (see the marker table in tok_chat_jinja.c). */
bool tok_chat_recognise(const tok_jinja *jinja, mlavk_chat_template *style);

/* What a rendering needs besides the messages: the family, the template's text (the families that take a
 * default system prompt or text from it), and the bos_token and eos_token strings. */
typedef struct tok_chat_format {
    mlavk_chat_template style;
    const char *template_text; /* NULL: none */
    const char *bos, *eos;     /* NULL: the tokenizer has none */
    const char *source;        /* the file, for messages */
} tok_chat_format;

mlavk_status tok_chat_render_format(const tok_chat_format *format, const mlavk_chat_message *messages,
                                    size_t count, int add_generation_prompt, char **text, size_t *length);

/* Keeps a copy of a model file's chat template (up to its first NUL byte) in the tokenizer; source names the
 * file it came from. */
mlavk_status tok_set_chat_template(mlavk_tokenizer *tokenizer, const char *text, size_t length, const char *source);

#endif
