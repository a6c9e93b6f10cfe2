/* UTF-8 repair and the GPT-2 byte-level alphabet shared by the encoder and decoder. */
#ifndef MLAVK_TOKENIZER_TOK_UTF8_H
#define MLAVK_TOKENIZER_TOK_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence starting at text[0] (1-4), or 0 when the bytes there are not one. When
 * they are not, *maximal_subpart receives how many bytes form the longest prefix of some valid sequence (at
 * least 1): the unit that Unicode, WHATWG and Python's errors='replace' turn into one U+FFFD. */
size_t tok_utf8_sequence(const uint8_t *text, size_t length, size_t *maximal_subpart);

/* True when text is entirely valid UTF-8. */
bool tok_utf8_valid(const char *text, size_t length);

/* How many bytes at the end of text are the start of a character that more bytes could still complete. */
size_t tok_utf8_incomplete_tail(const char *text, size_t length);

/* Writes text into out (capacity >= 3 * length) with each maximal invalid subsequence replaced by U+FFFD and
 * returns the number of bytes written. */
size_t tok_utf8_repair(const char *text, size_t length, char *out);

/* GPT-2 byte-level alphabet: each byte is shown as one code point (printable bytes as themselves, the rest
 * shifted to 256 and up), so token strings never hold spaces or control bytes. */
uint32_t tok_byte_to_codepoint(uint8_t byte);
/* The byte a code point stands for, or -1 when the code point is not in the alphabet. */
int tok_codepoint_to_byte(uint32_t codepoint);

/* Writes the UTF-8 form of a code point below 0x800 or above (1-4 bytes) and returns its length. */
size_t tok_utf8_encode(uint32_t codepoint, char *out);

#endif
