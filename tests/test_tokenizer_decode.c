/* Decoding gives back the text of every valid golden string; the streaming decoder returns the same text
 * with no character ever split across calls; special tokens decode to their text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_tokenizer_common.h"
#include "test_util.h"

/* True when text is valid UTF-8 that ends on a character boundary (no lone lead or continuation bytes). */
static int whole_characters(const char *text, size_t length)
{
    size_t i = 0;
    while (i < length) {
        unsigned char c = (unsigned char)text[i];
        size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
        if (n == 0 || i + n > length)
            return 0;
        for (size_t k = 1; k < n; k++)
            if (((unsigned char)text[i + k] & 0xC0) != 0x80)
                return 0;
        i += n;
    }
    return 1;
}

static void check_streaming(const mlavk_tokenizer *tokenizer, const int32_t *ids, size_t count, const char *want,
                            size_t want_length, int index)
{
    mlavk_detokenizer *stream;
    CHECK(mlavk_detokenizer_create(tokenizer, &stream) == MLAVK_OK);
    char *joined = malloc(3 * want_length + 16);
    size_t joined_length = 0;
    for (size_t i = 0; i <= count; i++) {
        const char *piece;
        size_t length;
        mlavk_status status = i < count ? mlavk_detokenizer_feed(stream, ids[i], &piece, &length)
                                        : mlavk_detokenizer_finish(stream, &piece, &length);
        CHECK(status == MLAVK_OK);
        CHECK_MSG(whole_characters(piece, length), "string %d: streamed piece %zu splits a character", index, i);
        if (joined_length + length <= 3 * want_length + 16)
            memcpy(joined + joined_length, piece, length);
        joined_length += length;
    }
    CHECK_MSG(joined_length == want_length && memcmp(joined, want, want_length) == 0,
              "string %d: streamed text differs", index);
    free(joined);
    mlavk_detokenizer_free(stream);
}

static void check_round_trip(mlavk_tokenizer *tokenizer, const cJSON *entry, int index)
{
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(entry, "text");
    if (!cJSON_IsString(text))
        return; /* invalid UTF-8 cannot come back as it was: it was replaced by U+FFFD */
    size_t length = strlen(text->valuestring);
    int32_t *ids;
    size_t count;
    CHECK(mlavk_tokenize(tokenizer, text->valuestring, length, 0, &ids, &count) == MLAVK_OK);
    char *decoded;
    size_t decoded_length;
    CHECK(mlavk_detokenize(tokenizer, ids, count, &decoded, &decoded_length) == MLAVK_OK);
    CHECK_MSG(decoded_length == length && memcmp(decoded, text->valuestring, length) == 0,
              "string %d does not decode to itself", index);
    check_streaming(tokenizer, ids, count, text->valuestring, length, index);
    free(decoded);
    free(ids);
}

static void check_specials_and_partial_characters(mlavk_tokenizer *tokenizer)
{
    const int32_t special[] = {0, 128803, 1};
    char *text;
    size_t length;
    CHECK(mlavk_detokenize(tokenizer, special, 3, &text, &length) == MLAVK_OK);
    CHECK(strcmp(text, "<｜begin▁of▁sentence｜><｜User｜><｜end▁of▁sentence｜>") == 0);
    free(text);
    CHECK(mlavk_token_is_special(tokenizer, 0) && !mlavk_token_is_special(tokenizer, 128803));
    /* "🤖" is several byte tokens; decoding only the first gives U+FFFD, as HF's decode does. */
    int32_t *ids;
    size_t count;
    CHECK(mlavk_tokenize(tokenizer, "\xF0\x9F\xA4\x96", 4, 0, &ids, &count) == MLAVK_OK);
    CHECK(count >= 2);
    CHECK(mlavk_detokenize(tokenizer, ids, 1, &text, &length) == MLAVK_OK);
    CHECK(strncmp(text, "\xEF\xBF\xBD", 3) == 0);
    free(text);
    mlavk_detokenizer *stream;
    const char *piece;
    CHECK(mlavk_detokenizer_create(tokenizer, &stream) == MLAVK_OK);
    CHECK(mlavk_detokenizer_feed(stream, ids[0], &piece, &length) == MLAVK_OK && length == 0);
    CHECK(mlavk_detokenizer_finish(stream, &piece, &length) == MLAVK_OK);
    CHECK(length == 3 && memcmp(piece, "\xEF\xBF\xBD", 3) == 0);
    CHECK(mlavk_detokenizer_feed(stream, -1, &piece, &length) == MLAVK_ERR_INVALID_ARGUMENT);
    CHECK(mlavk_detokenizer_feed(stream, (int32_t)mlavk_tokenizer_vocab_size(tokenizer), &piece, &length) ==
          MLAVK_ERR_INVALID_ARGUMENT);
    mlavk_detokenizer_free(stream);
    free(ids);
}

int main(int argc, char **argv)
{
    mlavk_tokenizer *tokenizer;
    cJSON *golden;
    if (golden_open(argc, argv, &tokenizer, &golden)) {
        int index = 0;
        const cJSON *entry;
        cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(golden, "strings"))
            check_round_trip(tokenizer, entry, index++);
        check_specials_and_partial_characters(tokenizer);
    }
    golden_close(tokenizer, golden);
    return test_finish("tokenizer_decode");
}
