/* A recording inserts a barrier only where a later command touches what an earlier one wrote (or writes
 * what it read), computes the right values through such chains, reports dispatch mistakes, can be submitted
 * again with new inputs, and labels its timestamps with op names. */
#include <string.h>

#include "gpu_test.h"
#include "mlavk_spirv.h"
#include "ops/ops.h"
#include "test_util.h"

#define N 1001

int main(void)
{
    vk_context *ctx = gpu_test_context();
    ops *ops;
    CHECK(ops_create(ctx, NULL, &ops) == MLAVK_OK);
    test_rng rng = {7};
    float a[N], b[N], out[N];
    test_rng_fill(&rng, a, N, -1, 1);
    test_rng_fill(&rng, b, N, -1, 1);
    vk_buffer ba = gpu_test_buffer(ctx, sizeof a), bb = gpu_test_buffer(ctx, sizeof b);
    vk_buffer bc = gpu_test_buffer(ctx, sizeof a), bd = gpu_test_buffer(ctx, sizeof a);
    vk_buffer be = gpu_test_buffer(ctx, sizeof a);
    gpu_test_upload(ctx, &ba, a, sizeof a);
    gpu_test_upload(ctx, &bb, b, sizeof b);
    test_poison_f32(out, N);
    gpu_test_upload(ctx, &be, out, sizeof out);

    vk_recording *rec;
    CHECK(vk_recording_create(ctx, &rec) == MLAVK_OK);
    CHECK(vk_recording_begin(rec, ctx->info.timestamps) == MLAVK_OK);
    CHECK(ops_add(ops, rec, gpu_whole(&ba), gpu_whole(&bb), gpu_whole(&bc), N) == MLAVK_OK); /* c = a + b */
    CHECK(ops_add(ops, rec, gpu_whole(&ba), gpu_whole(&ba), gpu_whole(&bd), N) == MLAVK_OK); /* d = 2a: no hazard */
    CHECK(ops_add(ops, rec, gpu_whole(&bc), gpu_whole(&bd), gpu_whole(&be), N) == MLAVK_OK); /* e = c + d: RAW */
    CHECK(ops_add(ops, rec, gpu_whole(&bb), gpu_whole(&bb), gpu_whole(&bc), N) == MLAVK_OK); /* c = 2b: WAR */
    CHECK(vk_recording_end(rec) == MLAVK_OK);
    CHECK(vk_recording_dispatch_count(rec) == 4);
    CHECK_MSG(vk_recording_barrier_count(rec) == 2, "expected 2 barriers, got %u", vk_recording_barrier_count(rec));
    CHECK(vk_recording_run(rec) == MLAVK_OK);

    double want[N];
    gpu_test_download(ctx, &be, out, sizeof out);
    for (int i = 0; i < N; i++)
        want[i] = 3.0 * a[i] + b[i];
    test_compare("e = (a + b) + 2a", out, want, N, 1e-6, 1e-6);
    gpu_test_download(ctx, &bc, out, sizeof out);
    for (int i = 0; i < N; i++)
        want[i] = 2.0 * b[i];
    test_compare("c = 2b after the read of c", out, want, N, 0, 0);

    if (ctx->info.timestamps) {
        const vk_timing *timings;
        uint32_t n = vk_recording_timings(rec, &timings);
        CHECK_MSG(n == 4, "expected 4 timings, got %u", n);
        for (uint32_t i = 0; i < n; i++)
            CHECK(strcmp(timings[i].label, "add") == 0 && timings[i].ms >= 0);
    }

    /* Record once, submit again with new inputs. */
    test_rng_fill(&rng, a, N, -1, 1);
    gpu_test_upload(ctx, &ba, a, sizeof a);
    CHECK(vk_recording_run(rec) == MLAVK_OK);
    gpu_test_download(ctx, &be, out, sizeof out);
    for (int i = 0; i < N; i++)
        want[i] = 3.0 * a[i] + b[i];
    test_compare("resubmitted recording sees new inputs", out, want, N, 1e-6, 1e-6);

    /* A dispatch with the wrong number of bindings or push bytes is reported at the end of recording. */
    vk_pipeline pipeline;
    vk_pipeline_desc desc = {.name = "add", .code = mlavk_spv_add.code, .code_size = mlavk_spv_add.size_bytes,
                             .binding_count = 3, .write_mask = 4, .push_size = 8, .local_size = {64, 1, 1}};
    CHECK(vk_pipeline_create(ctx, &desc, &pipeline) == MLAVK_OK);
    vk_binding bindings[3] = {gpu_whole(&ba), gpu_whole(&bb), gpu_whole(&bc)};
    uint32_t push[3] = {N, N, 0}; /* push_add: n, period */
    CHECK(vk_recording_begin(rec, false) == MLAVK_OK);
    vk_dispatch(rec, &pipeline, bindings, 2, push, 8, 1, 1, 1);
    CHECK(vk_recording_end(rec) == MLAVK_ERR_INVALID_ARGUMENT);
    CHECK(strstr(mlavk_last_error(), "2 bindings") != NULL);
    CHECK(vk_recording_begin(rec, false) == MLAVK_OK);
    vk_dispatch(rec, &pipeline, bindings, 3, push, 12, 1, 1, 1);
    CHECK(vk_recording_end(rec) == MLAVK_ERR_INVALID_ARGUMENT);
    CHECK(strstr(mlavk_last_error(), "12 push bytes") != NULL);
    vk_pipeline_destroy(ctx, &pipeline);

    vk_recording_destroy(rec);
    vk_buffer *all[] = {&ba, &bb, &bc, &bd, &be};
    for (int i = 0; i < 5; i++)
        vk_buffer_destroy(ctx, all[i]);
    ops_destroy(ops);
    return gpu_test_finish(ctx, "vk_commands");
}
