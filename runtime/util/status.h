/* Error reporting inside the runtime: functions return mlavk_status and record a one-line detail message. */
#ifndef MLAVK_UTIL_STATUS_H
#define MLAVK_UTIL_STATUS_H

#include "mlavk.h"

#if defined(__GNUC__)
#define MLAVK_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define MLAVK_PRINTF(fmt_index, first_arg)
#endif

/* Records the message for mlavk_last_error() and returns status, so error paths read
 * `return mlavk_fail(MLAVK_ERR_FORMAT, "%s: truncated header", path);` */
mlavk_status mlavk_fail(mlavk_status status, const char *fmt, ...) MLAVK_PRINTF(2, 3);

/* Forgets the last message (used before an operation whose failure should not show an older message). */
void mlavk_clear_error(void);

#define MLAVK_TRY(expr)                       \
    do {                                      \
        mlavk_status try_status_ = (expr);    \
        if (try_status_ != MLAVK_OK)          \
            return try_status_;               \
    } while (0)

#endif
