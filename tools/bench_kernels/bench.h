/* The kernel benchmark's harness: one context, one ops object, timing by timestamp queries, a table row per case. */
#ifndef MLAVK_BENCH_H
#define MLAVK_BENCH_H

#include <stdbool.h>
#include <stddef.h>

#include "ops/ops.h"
#include "test_util.h"

typedef struct bench {
    vk_context *ctx;
    ops *ops;
    test_rng rng;
    int runs;
    bool cpu_device;          /* lavapipe: smaller sizes */
    bool quick;               /* one size per kernel */
    int failures;
} bench;

/* Records one instance of the kernel under test. */
typedef mlavk_status (*bench_record_fn)(bench *b, vk_recording *rec, void *user);

/* Runs record once (the caller then validates), returning false on any error. */
bool bench_run_once(bench *b, bench_record_fn record, void *user);
/* Records `runs` instances in one profiled recording and returns the median milliseconds of one, or -1. */
double bench_time(bench *b, bench_record_fn record, void *user);

/* Prints a table row: bytes read + written and floating-point operations of one instance. */
void bench_report(bench *b, const char *kernel, const char *type, const char *size, double ms, double bytes,
                  double flops, bool valid, double error);

/* Largest |got - want| / (atol + |want|) style error: the worst of |got - want| / scale. */
double bench_max_error(const float *got, const double *want, size_t n, double scale);

/* A device buffer padded to whole words, filled with data unless NULL; exits on failure. */
vk_buffer bench_buffer(bench *b, const void *data, size_t bytes);
static inline vk_binding bench_whole(const vk_buffer *buffer) { return (vk_binding){buffer, 0, 0}; }

void bench_matvec_cases(bench *b);
void bench_matmul_cases(bench *b);
void bench_moe_cases(bench *b);
void bench_row_cases(bench *b);

#endif
