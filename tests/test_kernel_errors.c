/* Ops refuse what their kernels cannot do with a status and a message naming the op, and record nothing. */
#include <string.h>

#include "test_kernel_util.h"

static void expect(mlavk_status got, mlavk_status want, const char *needle)
{
    CHECK_MSG(got == want, "status %d, expected %d (%s)", got, want, mlavk_last_error());
    CHECK_MSG(strstr(mlavk_last_error(), needle) != NULL, "message \"%s\" lacks \"%s\"", mlavk_last_error(), needle);
}

int main(void)
{
    vk_context *ctx = gpu_test_context();
    ops *ops;
    CHECK(ops_create(ctx, NULL, &ops) == MLAVK_OK);
    vk_buffer small = gpu_test_buffer(ctx, 4096);
    vk_binding b = gpu_whole(&small);
    ops_rows rows = {b, 0, 0};
    vk_recording *rec;
    CHECK(vk_recording_create(ctx, &rec) == MLAVK_OK);
    CHECK(vk_recording_begin(rec, false) == MLAVK_OK);

    ops_weight q8k = {b, GGML_TYPE_Q8_K, 4, 256}; /* ggml's activation type: never a GPU weight type */
    expect(ops_matvec(ops, rec, &q8k, rows, rows, false), MLAVK_ERR_UNSUPPORTED, "matvec");
    ops_weight ragged = {b, GGML_TYPE_Q4_K, 4, 300};
    expect(ops_matmul(ops, rec, &ragged, rows, rows, 3, false), MLAVK_ERR_UNSUPPORTED, "300");
    ops_weight too_big = {b, GGML_TYPE_F32, 64, 64};
    expect(ops_matvec(ops, rec, &too_big, rows, rows, false), MLAVK_ERR_INVALID_ARGUMENT, "smaller");
    ops_expert_weight experts = {.pieces = {b, b}, .piece_count = 2, .experts_per_piece = 2,
                                 .type = GGML_TYPE_Q8_0, .experts = 5, .rows = 2, .cols = 32};
    ops_moe_args args = {.ids = b, .slots = 1, .slots_per_x = 1, .x = rows, .y = rows};
    expect(ops_moe_matvec(ops, rec, &experts, &args), MLAVK_ERR_INVALID_ARGUMENT, "cannot hold 5 experts");
    /* a grouping must cover every expert and slot: offsets 4096 bytes hold 1024 experts' worth, order not 2000 slots */
    experts.experts = 4;
    args = (ops_moe_args){.slots = 2000, .slots_per_x = 1, .x = rows, .y = rows, .offsets = b, .order = b};
    expect(ops_moe_matvec(ops, rec, &experts, &args), MLAVK_ERR_INVALID_ARGUMENT, "grouping smaller");
    args = (ops_moe_args){.slots = 2, .slots_per_x = 1, .x = rows, .y = rows, .tiled = true};
    expect(ops_moe_matvec(ops, rec, &experts, &args), MLAVK_ERR_INVALID_ARGUMENT, "grouping smaller");
    args = (ops_moe_args){.slots = 2, .slots_per_x = 1, .x = rows, .y = rows};
    expect(ops_moe_matvec(ops, rec, &experts, &args), MLAVK_ERR_INVALID_ARGUMENT, "neither expert ids");
    expect(ops_moe_group(ops, rec, b, 0, 4, OPS_MOE_MAX_EXPERTS + 1, b, b), MLAVK_ERR_UNSUPPORTED, "moe_group");
    ops_rope_args rope = {.x = rows, .dims = 7, .heads = 1, .tokens = 1, .positions = b, .freqs = b};
    expect(ops_rope(ops, rec, &rope), MLAVK_ERR_INVALID_ARGUMENT, "rope");
    expect(ops_topk(ops, rec, rows, 8, 1, 9, b, b), MLAVK_ERR_INVALID_ARGUMENT, "topk");
    ops_weight table = {b, GGML_TYPE_Q8_1, 4, 32}; /* ggml's activation type: never a weight */
    expect(ops_get_rows(ops, rec, &table, 0, b, 1, rows), MLAVK_ERR_UNSUPPORTED, "get_rows");
    CHECK(ops_row_bytes(GGML_TYPE_Q6_K, 512) == 420 && ops_row_bytes(GGML_TYPE_Q8_0, 33) == 0);

    CHECK(vk_recording_end(rec) == MLAVK_OK);
    CHECK(vk_recording_dispatch_count(rec) == 0);
    vk_recording_destroy(rec);
    vk_buffer_destroy(ctx, &small);
    ops_destroy(ops);
    return gpu_test_finish(ctx, "errors");
}
