/* --profile: the per-op table of the last step; --trace: the same step as Chrome trace-event JSON. */
#include <stdio.h>

#include "cli_options.h"

void cli_print_profile(const mlavk_engine *engine, FILE *out)
{
    const mlavk_op_profile *ops;
    uint32_t n = mlavk_engine_profile(engine, &ops);
    double total = 0;
    for (uint32_t i = 0; i < n; i++)
        total += ops[i].ms;
    fprintf(out, "\nGPU time of the last step (%.3f ms in all; bytes and flops as each op estimates them)\n", total);
    fprintf(out, "%-22s %7s %10s %7s %10s %10s\n", "op", "calls", "total ms", "share", "GB/s", "GFLOP/s");
    for (uint32_t i = 0; i < n; i++) {
        double seconds = ops[i].ms * 1e-3;
        fprintf(out, "%-22s %7u %10.3f %6.1f%% %10.2f %10.2f\n", ops[i].op, ops[i].calls, ops[i].ms,
                total > 0 ? 100.0 * ops[i].ms / total : 0.0, seconds > 0 ? ops[i].bytes / seconds * 1e-9 : 0.0,
                seconds > 0 ? ops[i].flops / seconds * 1e-9 : 0.0);
    }
}

bool cli_write_trace(const mlavk_engine *engine, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "mlavk: %s: cannot write the trace\n", path);
        return false;
    }
    const mlavk_trace_event *events;
    uint32_t n = mlavk_engine_trace(engine, &events);
    fprintf(f, "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n");
    for (uint32_t i = 0; i < n; i++)
        fprintf(f, "  {\"name\": \"%s\", \"cat\": \"gpu\", \"ph\": \"X\", \"pid\": 1, \"tid\": 1, \"ts\": %.3f, "
                   "\"dur\": %.3f}%s\n",
                events[i].op, events[i].start_ms * 1e3, events[i].ms * 1e3, i + 1 < n ? "," : "");
    fprintf(f, "]}\n");
    if (fclose(f) != 0) {
        fprintf(stderr, "mlavk: %s: cannot write the trace\n", path);
        return false;
    }
    return true;
}
