/* mlavk-bench-kernels: for each kernel and weight type at realistic sizes, validates against the CPU reference of
 * the tests, then times N runs with timestamp queries and prints ms, GB/s (bytes read + written) and GFLOP/s. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "util/status.h"

vk_buffer bench_buffer(bench *b, const void *data, size_t bytes)
{
    vk_buffer buffer = {0};
    size_t padded = (bytes + 3) & ~(size_t)3;
    if (vk_buffer_create(b->ctx, padded, VK_MEMORY_DEVICE, "bench", &buffer) != MLAVK_OK) {
        fprintf(stderr, "mlavk-bench-kernels: %s\n", mlavk_last_error());
        exit(1);
    }
    if (data && vk_buffer_write(b->ctx, &buffer, 0, data, bytes) != MLAVK_OK) {
        fprintf(stderr, "mlavk-bench-kernels: %s\n", mlavk_last_error());
        exit(1);
    }
    return buffer;
}

static bool record_and_run(bench *b, bench_record_fn record, void *user, int count, bool profile,
                           vk_recording **out)
{
    vk_recording *rec;
    if (vk_recording_create(b->ctx, &rec) != MLAVK_OK)
        return false;
    mlavk_status status = vk_recording_begin(rec, profile);
    for (int i = 0; i < count && status == MLAVK_OK; i++)
        status = record(b, rec, user);
    if (status == MLAVK_OK)
        status = vk_recording_end(rec);
    if (status == MLAVK_OK)
        status = vk_recording_run(rec);
    if (status != MLAVK_OK) {
        fprintf(stderr, "mlavk-bench-kernels: %s\n", mlavk_last_error());
        vk_recording_destroy(rec);
        return false;
    }
    *out = rec;
    return true;
}

bool bench_run_once(bench *b, bench_record_fn record, void *user)
{
    vk_recording *rec;
    if (!record_and_run(b, record, user, 1, false, &rec))
        return false;
    vk_recording_destroy(rec);
    return true;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_time(bench *b, bench_record_fn record, void *user)
{
    if (!b->ctx->info.timestamps)
        return -1;
    vk_recording *rec;
    if (!record_and_run(b, record, user, b->runs, true, &rec))
        return -1;
    /* An instance may be several dispatches (one per MoE weight piece): sum each instance's. */
    const vk_timing *timings;
    uint32_t n = vk_recording_timings(rec, &timings);
    uint32_t per_instance = n / (uint32_t)b->runs;
    double *ms = calloc((size_t)b->runs, sizeof *ms);
    for (uint32_t i = 0; per_instance && i < per_instance * (uint32_t)b->runs; i++)
        ms[i / per_instance] += timings[i].ms;
    qsort(ms, (size_t)b->runs, sizeof *ms, compare_double);
    double median = per_instance ? ms[b->runs / 2] : -1;
    free(ms);
    vk_recording_destroy(rec);
    return median;
}

double bench_max_error(const float *got, const double *want, size_t n, double scale)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double err = fabs(got[i] - want[i]) / scale;
        if (!(err <= worst))
            worst = isnan(err) ? INFINITY : err;
    }
    return worst;
}

void bench_report(bench *b, const char *kernel, const char *type, const char *size, double ms, double bytes,
                  double flops, bool valid, double error)
{
    if (!valid)
        b->failures++;
    if (ms <= 0) {
        printf("%-10s %-6s %-26s %10s %10s %10s  %s (err %.2g)\n", kernel, type, size, "-", "-", "-",
               valid ? "ok" : "WRONG", error);
        return;
    }
    printf("%-10s %-6s %-26s %10.4f %10.2f %10.2f  %s (err %.2g)\n", kernel, type, size, ms, bytes / ms * 1e-6,
           flops / ms * 1e-6, valid ? "ok" : "WRONG", error);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: mlavk-bench-kernels [--device D] [--runs N] [--only matvec|matmul|moe|rows] [--quick]\n"
                 "  Checks each kernel against the CPU reference, then prints the median time of N runs (default\n"
                 "  20, 3 on CPU devices). Sizes are DeepSeek-V2-Lite's; on CPU devices (lavapipe) the\n"
                 "  vocabulary-sized matvec has 16384 rows. --quick: one size per kernel.\n");
}

int main(int argc, char **argv)
{
    const char *device = NULL, *only = NULL;
    int runs = 0;
    bool quick = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--device") == 0 && i + 1 < argc)
            device = argv[++i];
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = argv[++i];
        else {
            usage(strcmp(argv[i], "--help") == 0 ? stdout : stderr);
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    bench b = {.rng = {2024}, .quick = quick};
    if (vk_context_create(device, &b.ctx) != MLAVK_OK || ops_create(b.ctx, NULL, &b.ops) != MLAVK_OK) {
        fprintf(stderr, "mlavk-bench-kernels: %s\n", mlavk_last_error());
        return 1;
    }
    b.cpu_device = b.ctx->info.type == VK_PHYSICAL_DEVICE_TYPE_CPU;
    b.runs = runs > 0 ? runs : b.cpu_device ? 3 : 20;
    printf("device: %s (%s reductions), median of %d runs\n", b.ctx->info.name,
           ops_reduction_mode(b.ops) == OPS_REDUCTION_SUBGROUP ? "subgroup" : "shared-memory", b.runs);
    printf("%-10s %-6s %-26s %10s %10s %10s  %s\n", "kernel", "type", "size", "ms", "GB/s", "GFLOP/s", "check");
    if (!only || strcmp(only, "matvec") == 0)
        bench_matvec_cases(&b);
    if (!only || strcmp(only, "matmul") == 0)
        bench_matmul_cases(&b);
    if (!only || strcmp(only, "moe") == 0)
        bench_moe_cases(&b);
    if (!only || strcmp(only, "rows") == 0)
        bench_row_cases(&b);
    ops_destroy(b.ops);
    vk_context_destroy(b.ctx);
    if (b.failures)
        fprintf(stderr, "mlavk-bench-kernels: %d kernel(s) gave wrong results\n", b.failures);
    return b.failures ? 1 : 0;
}
