/* Every status code has its own description, and mlavk_fail records the formatted message. */
#include "test_util.h"
#include "util/status.h"

#include <string.h>

int main(void)
{
    for (int s = 0; s < MLAVK_STATUS_COUNT; s++) {
        const char *text = mlavk_status_string((mlavk_status)s);
        CHECK_MSG(text && text[0] && strcmp(text, "unknown status") != 0, "status %d has no description", s);
        for (int t = 0; t < s; t++)
            CHECK_MSG(strcmp(text, mlavk_status_string((mlavk_status)t)) != 0, "statuses %d and %d share text", s, t);
    }
    CHECK(strcmp(mlavk_status_string(MLAVK_STATUS_COUNT), "unknown status") == 0);

    mlavk_status st = mlavk_fail(MLAVK_ERR_FORMAT, "%s: truncated header at byte %d", "x.gguf", 17);
    CHECK(st == MLAVK_ERR_FORMAT);
    CHECK(strcmp(mlavk_last_error(), "x.gguf: truncated header at byte 17") == 0);
    mlavk_clear_error();
    CHECK(mlavk_last_error()[0] == '\0');
    return test_finish("status");
}
