/* libFuzzer harness: any bytes as tokenizer.json. Loading must succeed or fail cleanly; a tokenizer that
 * loads must encode and decode a fixed text without crashing. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mlavk_tokenizer *tokenizer;
    if (tok_load_json_text((const char *)data, size, "fuzz.json", NULL, 0, NULL, &tokenizer) != MLAVK_OK)
        return 0;
    const char *text = "Hello, world! 12345 \xE4\xBD\xA0\xE5\xA5\xBD <s>\n\n  \xFF end";
    int32_t *ids;
    size_t count;
    if (mlavk_tokenize(tokenizer, text, strlen(text), 0, &ids, &count) == MLAVK_OK) {
        char *decoded;
        size_t length;
        if (mlavk_detokenize(tokenizer, ids, count, &decoded, &length) == MLAVK_OK)
            free(decoded);
        free(ids);
    }
    mlavk_tokenizer_free(tokenizer);
    return 0;
}
