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

uint32_t test_argmax(const float *v, uint32_t n)
{
    uint32_t best = 0;
    for (uint32_t i = 1; i < n; i++)
        best = v[i] > v[best] ? i : best;
    return best;
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

/* SHA-256 (FIPS 180-4). */
static uint32_t ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(uint32_t h[8], const unsigned char *p)
{
    static const uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
    uint32_t w[64], s[8];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++)
        w[i] = w[i - 16] + (ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3)) + w[i - 7] +
               (ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10));
    memcpy(s, h, sizeof s);
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = s[7] + (ror(s[4], 6) ^ ror(s[4], 11) ^ ror(s[4], 25)) + ((s[4] & s[5]) ^ (~s[4] & s[6])) +
                      k[i] + w[i];
        uint32_t t2 = (ror(s[0], 2) ^ ror(s[0], 13) ^ ror(s[0], 22)) + ((s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]));
        memmove(s + 1, s, 7 * sizeof *s);
        s[4] += t1;
        s[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++)
        h[i] += s[i];
}

void test_sha256_hex(const void *bytes, size_t n, char out[65])
{
    const unsigned char *data = bytes;
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    size_t i = 0;
    for (; i + 64 <= n; i += 64)
        sha256_block(h, data + i);
    unsigned char tail[128] = {0};
    size_t rest = n - i, len = rest + 9 <= 64 ? 64 : 128;
    memcpy(tail, data + i, rest);
    tail[rest] = 0x80;
    for (int b = 0; b < 8; b++)
        tail[len - 1 - b] = (unsigned char)((uint64_t)n * 8 >> (8 * b));
    for (size_t j = 0; j < len; j += 64)
        sha256_block(h, tail + j);
    for (int j = 0; j < 8; j++)
        snprintf(out + 8 * j, 9, "%08x", h[j]);
}
