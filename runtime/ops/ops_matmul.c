/* Weight-reading kernels: matvec (decode), batched matmul (prefill) and the MoE expert matvec. */
#include "ops/ops_internal.h"

uint64_t ops_row_bytes(ggml_type type, uint32_t cols)
{
    const ggml_type_traits *t = ggml_type_get(type);
    if (!t || ops_weight_type_index(type) < 0 || cols % t->block_elems != 0)
        return 0;
    return (uint64_t)(cols / t->block_elems) * t->block_bytes;
}

static VkDeviceSize binding_bytes(const vk_binding *b)
{
    return b->size ? b->size : b->buffer->size - b->offset;
}

/* The row size of a weight, or a failure naming what does not fit the kernels. */
static mlavk_status weight_row_bytes(const char *op, ggml_type type, uint32_t rows, uint32_t cols, uint32_t *out)
{
    uint64_t row_bytes = ops_row_bytes(type, cols);
    if (row_bytes == 0 || rows == 0)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: no kernel for a %u x %u weight of type %u", op, rows, cols,
                          (unsigned)type);
    if (row_bytes * rows > UINT32_MAX)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "%s: a %u x %u weight exceeds 4 GiB in one binding", op, rows,
                          cols);
    *out = (uint32_t)row_bytes;
    return MLAVK_OK;
}

/* Whether the ALIGNED pipeline applies: x rows on 16-byte boundaries, and plain weight rows whole 16-byte quads. */
static bool aligned_rows(ggml_type type, uint32_t row_bytes, ops_rows x, uint32_t x_stride)
{
    bool plain = ggml_type_get(type)->block_elems == 1;
    return x.offset % 4 == 0 && x_stride % 4 == 0 && (!plain || row_bytes % 16 == 0);
}

/* Weight rows one workgroup of the tiled kernels covers: ROWS (spec 0) per invocation. */
static uint32_t tiled_rows_per_group(op_id id)
{
    const op_desc *d = ops_desc(id);
    return d->spec[0] * d->local_size_x;
}

/* rows_per_group: the weight rows one workgroup covers. */
static mlavk_status record_dense(ops *ops, vk_recording *rec, op_id id, const ops_weight *w, ops_rows x, ops_rows y,
                                 uint32_t batch, bool accumulate, uint32_t rows_per_group)
{
    uint32_t row_bytes;
    MLAVK_TRY(weight_row_bytes(ops_desc(id)->name, w->type, w->rows, w->cols, &row_bytes));
    if ((uint64_t)row_bytes * w->rows > binding_bytes(&w->data))
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "%s: weight binding smaller than %u x %u", ops_desc(id)->name,
                          w->rows, w->cols);
    uint32_t x_stride = ops_rows_stride(x, w->cols);
    const vk_pipeline *p;
    MLAVK_TRY(ops_weight_pipeline(ops, id, aligned_rows(w->type, row_bytes, x, x_stride), &p));
    const op_desc *d = ops_desc(id);
    struct push_matmul push = {.cols = w->cols,
                               .rows = w->rows,
                               .batch = batch,
                               .row_bytes = row_bytes,
                               .x_offset = x.offset,
                               .x_stride = x_stride,
                               .y_offset = y.offset,
                               .y_stride = ops_rows_stride(y, w->rows),
                               .accumulate = accumulate};
    vk_binding bindings[3] = {w->data, x.buffer, y.buffer};
    vk_set_cost(rec, (double)row_bytes * w->rows + 4.0 * batch * (w->cols + w->rows * (accumulate ? 2 : 1)),
                2.0 * w->rows * w->cols * batch);
    ops_dispatch_groups(rec, p, bindings, 3, &push, sizeof push, ops_div_up(w->rows, rows_per_group),
                        ops_div_up(batch, d->spec[1]));
    return MLAVK_OK;
}

mlavk_status ops_matvec(ops *ops, vk_recording *rec, const ops_weight *w, ops_rows x, ops_rows y, bool accumulate)
{
    int t = ops_weight_type_index(w->type);
    if (t < 0)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "matvec: weight type %u has no kernel", (unsigned)w->type);
    op_id id = (op_id)(OP_MATVEC_F32 + t);
    return record_dense(ops, rec, id, w, x, y, 1, accumulate, ops_desc(id)->spec[0]);
}

mlavk_status ops_matmul(ops *ops, vk_recording *rec, const ops_weight *w, ops_rows x, ops_rows y, uint32_t batch,
                        bool accumulate)
{
    int t = ops_weight_type_index(w->type);
    if (t < 0)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "matmul: weight type %u has no kernel", (unsigned)w->type);
    if (batch == 0)
        return MLAVK_OK;
    /* A single row gains nothing from the batch tile; from OPS_GEMM_MIN_BATCH rows on, the tiled kernel (8 weight
     * rows per invocation, no reduction) is the faster one on a CPU driver. */
    if (batch >= OPS_GEMM_MIN_BATCH && ops->batched == OPS_BATCHED_TILED) {
        op_id id = (op_id)(OP_GEMM_F32 + t);
        return record_dense(ops, rec, id, w, x, y, batch, accumulate, tiled_rows_per_group(id));
    }
    op_id id = (op_id)((batch == 1 ? OP_MATVEC_F32 : OP_MATMUL_F32) + t);
    return record_dense(ops, rec, id, w, x, y, batch, accumulate, ops_desc(id)->spec[0]);
}

uint32_t ops_experts_per_piece(const vk_context *ctx, uint64_t expert_bytes)
{
    uint64_t limit = vk_memory_max_buffer_size(ctx);
    if (limit > UINT32_MAX)
        limit = UINT32_MAX;
    if (expert_bytes == 0 || expert_bytes > limit)
        return 0;
    uint64_t n = limit / expert_bytes;
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

static mlavk_status check_pieces(const ops_expert_weight *w, uint64_t expert_bytes)
{
    if (w->piece_count == 0 || w->piece_count > OPS_MAX_PIECES || w->experts_per_piece == 0 ||
        (uint64_t)w->experts_per_piece * w->piece_count < w->experts)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "moe: %u pieces of %u experts cannot hold %u experts",
                          w->piece_count, w->experts_per_piece, w->experts);
    for (uint32_t i = 0; i < w->piece_count; i++) {
        uint32_t held = w->experts - i * w->experts_per_piece;
        if (held > w->experts_per_piece)
            held = w->experts_per_piece;
        if (binding_bytes(&w->pieces[i]) < held * expert_bytes)
            return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "moe: piece %u is smaller than its %u experts", i, held);
    }
    return MLAVK_OK;
}

/* Per piece, one dispatch: the tiled kernel's workgroups go over (row groups, the piece's experts), an expert
 * without slots ending at once; the reduction kernels' over (row groups, slots), a slot whose expert another piece
 * holds ending at once, and with a grouping each run of one expert's slots served by its first. */
static void record_moe_pieces(vk_recording *rec, const vk_pipeline *p, op_id id, const ops_expert_weight *w,
                              const ops_moe_args *args, struct push_matmul *push)
{
    bool grouped = args->offsets.buffer != NULL;
    uint32_t group_rows = args->tiled ? tiled_rows_per_group(id) : ops_desc(id)->spec[0];
    for (uint32_t i = 0; i < w->piece_count; i++) {
        push->expert_begin = i * w->experts_per_piece;
        uint32_t held = w->experts - push->expert_begin;
        held = held < w->experts_per_piece ? held : w->experts_per_piece;
        push->expert_end = push->expert_begin + held;
        /* grouped, each expert with slots is read once per tile of them: count the used experts once (a lower
         * bound); per slot, each slot reads its expert (an upper bound) */
        uint32_t used = args->slots < held ? args->slots : held;
        double reads = grouped ? used : (double)args->slots / w->piece_count;
        vk_set_cost(rec, (double)push->expert_bytes * reads + 4.0 * args->slots * (w->cols + w->rows) / w->piece_count,
                    2.0 * w->rows * w->cols * args->slots / w->piece_count);
        vk_binding grouped_bindings[5] = {w->pieces[i], args->offsets, args->order, args->x.buffer, args->y.buffer};
        vk_binding slot_bindings[4] = {w->pieces[i], args->ids, args->x.buffer, args->y.buffer};
        ops_dispatch_groups(rec, p, grouped ? grouped_bindings : slot_bindings, grouped ? 5 : 4, push, sizeof *push,
                            ops_div_up(w->rows, group_rows), args->tiled ? held : args->slots);
    }
}

mlavk_status ops_moe_matvec(ops *ops, vk_recording *rec, const ops_expert_weight *w, const ops_moe_args *args)
{
    int t = ops_weight_type_index(w->type);
    if (t < 0)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "moe: weight type %u has no kernel", (unsigned)w->type);
    uint32_t row_bytes;
    MLAVK_TRY(weight_row_bytes("moe", w->type, w->rows, w->cols, &row_bytes));
    uint64_t expert_bytes = (uint64_t)row_bytes * w->rows;
    MLAVK_TRY(check_pieces(w, expert_bytes));
    if (args->slots == 0)
        return MLAVK_OK;
    if (args->slots_per_x == 0)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "moe: slots_per_x must be at least 1");
    bool grouped = args->offsets.buffer != NULL;
    if ((grouped || args->tiled) &&
        (args->offsets.buffer == NULL || args->order.buffer == NULL ||
         binding_bytes(&args->offsets) < (w->experts + 1) * 4ull || binding_bytes(&args->order) < args->slots * 4ull))
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "moe: grouping smaller than %u experts and %u slots",
                          w->experts, args->slots);
    if (!grouped && args->ids.buffer == NULL)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "moe: neither expert ids nor a grouping");
    op_id id = (op_id)((args->tiled ? OP_MOE_GEMM_F32 : grouped ? OP_MOE_GROUPED_F32 : OP_MOE_F32) + t);
    uint32_t x_stride = ops_rows_stride(args->x, w->cols);
    const vk_pipeline *p;
    MLAVK_TRY(ops_weight_pipeline(ops, id, aligned_rows(w->type, row_bytes, args->x, x_stride), &p));
    struct push_matmul push = {.cols = w->cols,
                               .rows = w->rows,
                               .batch = args->slots,
                               .row_bytes = row_bytes,
                               .x_offset = args->x.offset,
                               .x_stride = x_stride,
                               .y_offset = args->y.offset,
                               .y_stride = ops_rows_stride(args->y, w->rows),
                               .accumulate = args->accumulate,
                               .expert_bytes = (uint32_t)expert_bytes,
                               .slots_per_x = args->slots_per_x,
                               .ids_offset = args->ids_offset};
    record_moe_pieces(rec, p, id, w, args, &push);
    return MLAVK_OK;
}
