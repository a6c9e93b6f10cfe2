/* Small helpers shared by the tests: checks, a seeded generator, tolerance comparison. */
#ifndef MLAVK_TEST_UTIL_H
#define MLAVK_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern int test_failures;

/* Records a failure with its location; tests keep going so one run shows every problem. */
#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond))                                                       \
            test_fail(__FILE__, __LINE__, "check failed: %s", #cond);      \
    } while (0)

#define CHECK_MSG(cond, ...)                                               \
    do {                                                                   \
        if (!(cond))                                                       \
            test_fail(__FILE__, __LINE__, __VA_ARGS__);                    \
    } while (0)

void test_fail(const char *file, int line, const char *fmt, ...);

/* Exit code for main(): prints "<test>: N failed" or "ok" and returns 0 only without failures. */
int test_finish(const char *test_name);

/* splitmix64: reproducible across platforms. */
typedef struct test_rng {
    uint64_t state;
} test_rng;

uint64_t test_rng_u64(test_rng *rng);
uint32_t test_rng_below(test_rng *rng, uint32_t bound);
/* Uniform in [lo, hi). */
double test_rng_uniform(test_rng *rng, double lo, double hi);
void test_rng_fill(test_rng *rng, float *dst, size_t n, float lo, float hi);

/* Fills with a NaN pattern so elements a kernel forgot to write fail every comparison. */
void test_poison_f32(float *dst, size_t n);

/* Compares got against the reference: passes when every element has
 *   |got - want| <= abs_tol + rel_tol * |want|
 * and no NaN. Prints max-abs and max-rel error with the label either way. */
bool test_compare(const char *label, const float *got, const double *want, size_t n, double abs_tol,
                  double rel_tol);

/* The index of the largest of n values (the first on ties). */
uint32_t test_argmax(const float *v, uint32_t n);

/* Reads a whole file; NULL on failure. */
void *test_read_file(const char *path, size_t *size);

/* SHA-256 of n bytes as 64 lowercase hex digits and a NUL (to check that a file is the one goldens came from). */
void test_sha256_hex(const void *data, size_t n, char out[65]);

#endif
