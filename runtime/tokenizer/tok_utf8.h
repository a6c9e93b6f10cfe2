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

/* Reads text the way llama.cpp does (unicode_cpts_from_utf8): a lead byte followed by as many continuation bytes
 * as it announces decodes to whatever those bits say, overlong forms and surrogates included; any other byte is
 * U+FFFD. The code points are written back as UTF-8, which is what llama.cpp's pre-tokenizer and BPE then see:
 * bytes receives exactly that (overlong "/" comes out as "/", a surrogate as its 3-byte form), and text the same
 * with each surrogate replaced by U+E000, so that text is valid UTF-8 for the regexes and every character has the
 * same length in both. Code points above U+10FFFF, on which llama.cpp throws, are read as an invalid first byte.
 * Each buffer needs 3 * length bytes; returns the length written to each. */
size_t tok_utf8_read_lax(const char *in, size_t length, char *text, char *bytes);

/* GPT-2 byte-level alphabet: each byte is shown as one code point (printable bytes as themselves, the rest
 * shifted to 256 and up), so token strings never hold spaces or control bytes. */
uint32_t tok_byte_to_codepoint(uint8_t byte);
/* The byte a code point stands for, or -1 when the code point is not in the alphabet. */
int tok_codepoint_to_byte(uint32_t codepoint);

/* Writes the UTF-8 form of a code point below 0x800 or above (1-4 bytes) and returns its length. */
size_t tok_utf8_encode(uint32_t codepoint, char *out);

#endif
