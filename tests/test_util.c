#include "test_util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int test_failures;

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "%s:%d: ", file, line);
    vfprintf(stderr, fmt, args);
    fputc('\n', stderr);
    va_end(args);
    test_failures++;
}

int test_finish(const char *test_name)
{
    if (test_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", test_name, test_failures);
        return 1;
    }
    printf("%s: ok\n", test_name);
    return 0;
}

uint64_t test_rng_u64(test_rng *rng)
{
    uint64_t z = (rng->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint32_t test_rng_below(test_rng *rng, uint32_t bound) { return (uint32_t)(test_rng_u64(rng) % bound); }

double test_rng_uniform(test_rng *rng, double lo, double hi)
{
    return lo + (hi - lo) * ((double)(test_rng_u64(rng) >> 11) * (1.0 / 9007199254740992.0));
}

void test_rng_fill(test_rng *rng, float *dst, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (float)test_rng_uniform(rng, lo, hi);
}

void test_poison_f32(float *dst, size_t n)
{
    const uint32_t nan_bits = 0x7fc0dead;
    for (size_t i = 0; i < n; i++)
        memcpy(&dst[i], &nan_bits, sizeof nan_bits);
}

bool test_compare(const char *label, const float *got, const double *want, size_t n, double abs_tol,
                  double rel_tol)
{
    double max_abs = 0, max_rel = 0;
    size_t worst = 0, bad = 0;
    for (size_t i = 0; i < n; i++) {
        double err = fabs((double)got[i] - want[i]);
        double rel = err / fmax(fabs(want[i]), 1e-30);
        if (!(err <= abs_tol + rel_tol * fabs(want[i]))) {
            if (!bad)
                worst = i;
            bad++;
        }
        if (isnan(err) || err > max_abs) {
            max_abs = isnan(err) ? INFINITY : err;
            if (!bad)
                worst = i;
        }
        if (rel > max_rel && fabs(want[i]) > abs_tol)
            max_rel = rel;
    }
    printf("  %-48s n=%-8zu max_abs=%.3g max_rel=%.3g (tol abs %.3g rel %.3g)%s\n", label, n, max_abs, max_rel,
           abs_tol, rel_tol, bad ? " FAIL" : "");
    if (bad)
        test_fail(__FILE__, __LINE__, "%s: %zu of %zu elements out of tolerance; first at %zu: got %.9g want %.9g",
                  label, bad, n, worst, (double)got[worst], want[worst]);
    return bad == 0;
}

void *test_read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return NULL;
    }
    long len = ftell(f);
    rewind(f);
    char *data = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (data && fread(data, 1, (size_t)len, f) != (size_t)len) {
        free(data);
        data = NULL;
    }
    fclose(f);
    if (data) {
        data[len] = '\0';
        *size = (size_t)len;
    }
    return data;
}
