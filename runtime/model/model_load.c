/* Weights from a GGUF file or HF checkpoint to device buffers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/dequant.h"
#include "model/model.h"
#include "util/status.h"

#define BINDING_ALIGNMENT 256
#define STAGING_CHUNK ((VkDeviceSize)32 << 20)

/* Two staging buffers used in turn: while the device copies one, the host fills the other (and reads the next
 * tensor from the file), so file reads overlap copies. Only for device memory the host cannot map. */
typedef struct uploader {
    vk_context *ctx;
    vk_buffer staging[2];
    vk_recording *copies[2];
    bool in_flight[2];
    int next;
} uploader;

typedef struct loader {
    model *m;
    const char *path;
    const model_files *files;
    model_progress_fn progress;
    void *progress_user;
    uint64_t done_bytes, total_bytes;
    uploader up;
} loader;

static mlavk_status uploader_write(uploader *up, const vk_buffer *dst, const uint8_t *src, VkDeviceSize size)
{
    for (VkDeviceSize done = 0; done < size;) {
        int slot = up->next;
        if (!up->staging[slot].handle) {
            MLAVK_TRY(vk_buffer_create(up->ctx, STAGING_CHUNK, VK_MEMORY_UPLOAD, "weight staging", &up->staging[slot]));
            MLAVK_TRY(vk_recording_create(up->ctx, &up->copies[slot]));
        }
        if (up->in_flight[slot]) {
            up->in_flight[slot] = false;
            MLAVK_TRY(vk_recording_wait(up->copies[slot]));
        }
        VkDeviceSize n = size - done < STAGING_CHUNK ? size - done : STAGING_CHUNK;
        memcpy(up->staging[slot].mapped, src + done, n);
        MLAVK_TRY(vk_recording_begin(up->copies[slot], false));
        vk_copy(up->copies[slot], &(vk_binding){&up->staging[slot], 0, n}, &(vk_binding){dst, done, n});
        MLAVK_TRY(vk_recording_end(up->copies[slot]));
        MLAVK_TRY(vk_recording_submit(up->copies[slot]));
        up->in_flight[slot] = true;
        up->next ^= 1;
        done += n;
    }
    return MLAVK_OK;
}

/* Waits for the copies in flight and releases the staging buffers. */
static mlavk_status uploader_finish(uploader *up)
{
    mlavk_status status = MLAVK_OK;
    for (int slot = 0; slot < 2; slot++) {
        if (up->in_flight[slot]) {
            mlavk_status s = vk_recording_wait(up->copies[slot]);
            status = status == MLAVK_OK ? s : status;
        }
        up->in_flight[slot] = false;
        vk_recording_destroy(up->copies[slot]);
        up->copies[slot] = NULL;
        vk_buffer_destroy(up->ctx, &up->staging[slot]);
    }
    return status;
}

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

uint64_t model_weight_bytes(const model_files *files)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < tensor_sources_count(files->sources); i++) {
        const tensor_source *src = tensor_sources_at(files->sources, i);
        if (!deepseek_is_mtp_tensor(&files->config, src->name)) /* MTP blocks are never uploaded */
            total += align_up(src->n_bytes, BINDING_ALIGNMENT);
    }
    return total + model_key_expansion_bytes(&files->config);
}

uint64_t model_key_expansion_bytes(const deepseek_config *c)
{
    uint64_t per_layer = (uint64_t)c->n_head * c->qk_nope_head_dim * c->kv_lora_rank * sizeof(float);
    return c->n_layer * align_up(per_layer, BINDING_ALIGNMENT);
}

static uint64_t row_bytes(uint32_t type, uint64_t cols)
{
    const ggml_type_traits *t = ggml_type_get(type);
    return cols / t->block_elems * t->block_bytes;
}

/* Splits a tensor of `units` rows or matrices of unit_bytes each into pieces that each fit one binding. */
static mlavk_status plan_pieces(const model *m, const tensor_source *src, model_tensor *t, uint64_t units,
                                uint64_t unit_bytes)
{
    uint64_t max_bytes = vk_memory_max_buffer_size(m->ctx);
    uint64_t per_piece = max_bytes / unit_bytes;
    uint32_t limit = t->stack > 1 ? OPS_MAX_PIECES : MODEL_MAX_PIECES;
    if (per_piece == 0 || (units + per_piece - 1) / per_piece > limit)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED,
                          "%s: tensor %s (%.1f MiB) needs more than %u bindings of at most %.1f MiB on %s",
                          src->origin, src->name, (double)src->n_bytes / 1048576.0, limit,
                          (double)max_bytes / 1048576.0, m->ctx->info.name);
    t->per_piece = (uint32_t)(per_piece < units ? per_piece : units);
    t->piece_count = (uint32_t)((units + t->per_piece - 1) / t->per_piece);
    return MLAVK_OK;
}

static void report_progress(loader *l, uint64_t bytes)
{
    l->done_bytes += bytes;
    /* the legacy attn_kv_b split uploads more than the file holds, so clamp */
    if (l->progress && l->total_bytes)
        l->progress(fmin(1.0, (double)l->done_bytes / (double)l->total_bytes), l->progress_user);
}

/* Copies host bytes of a planned tensor into its pieces. */
static mlavk_status upload_pieces(loader *l, model_tensor *t, const char *name, const uint8_t *data,
                                  uint64_t unit_bytes, uint64_t units)
{
    for (uint32_t p = 0; p < t->piece_count; p++) {
        uint64_t first = (uint64_t)p * t->per_piece;
        uint64_t count = first + t->per_piece <= units ? t->per_piece : units - first;
        MLAVK_TRY(vk_buffer_create(l->m->ctx, count * unit_bytes, VK_MEMORY_DEVICE, name, &t->pieces[p]));
        l->m->weights.device_bytes += t->pieces[p].size;
        const uint8_t *src = data + first * unit_bytes;
        if (t->pieces[p].mapped)
            memcpy(t->pieces[p].mapped, src, count * unit_bytes);
        else
            MLAVK_TRY(uploader_write(&l->up, &t->pieces[p], src, count * unit_bytes));
        report_progress(l, count * unit_bytes);
    }
    return MLAVK_OK;
}

/* Loads a tensor whose ggml dims are {cols}, {cols, rows} or {cols, rows, stack}. */
static mlavk_status load_tensor(loader *l, const char *name, model_tensor *t)
{
    const tensor_source *src = tensor_sources_find(l->files->sources, name);
    if (!src)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: missing tensor %s", l->path, name);
    memset(t, 0, sizeof *t);
    t->type = (ggml_type)src->type;
    t->cols = (uint32_t)src->dims[0];
    t->rows = (uint32_t)src->dims[1];
    t->stack = (uint32_t)src->dims[2];
    /* Vectors (norm weights, the router bias) are read by kernels as F32 whatever the checkpoint's dtype. */
    bool vector = src->n_dims == 1;
    if (vector)
        t->type = GGML_TYPE_F32;
    uint64_t unit_bytes = t->stack > 1 ? t->rows * row_bytes(t->type, t->cols) : row_bytes(t->type, t->cols);
    uint64_t units = t->stack > 1 ? t->stack : t->rows;
    MLAVK_TRY(plan_pieces(l->m, src, t, units, unit_bytes));
    uint8_t *data = malloc(src->n_bytes ? src->n_bytes : 1);
    float *converted = vector ? malloc(src->n_elements * sizeof(float)) : NULL;
    if (!data || (vector && !converted)) {
        free(data);
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory reading %s", src->origin, name);
    }
    mlavk_status status = tensor_source_read(src, data, src->n_bytes);
    if (status == MLAVK_OK && vector)
        status = dequantize_to_f32(src->type, data, converted, src->n_elements, name);
    if (status == MLAVK_OK)
        status = upload_pieces(l, t, name, vector ? (const uint8_t *)converted : data, unit_bytes, units);
    free(data);
    free(converted);
    return status;
}

/* Uploads host F32 data as a stacked F32 weight (the legacy attn_kv_b split). */
static mlavk_status load_f32_stack(loader *l, const char *name, model_tensor *t, const float *data, uint32_t stack,
                                   uint32_t rows, uint32_t cols)
{
    *t = (model_tensor){.type = GGML_TYPE_F32, .stack = stack, .rows = rows, .cols = cols, .piece_count = 1,
                        .per_piece = stack};
    uint64_t bytes = (uint64_t)stack * rows * cols * sizeof(float);
    if (bytes > vk_memory_max_buffer_size(l->m->ctx))
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: %s is too large for one binding", l->path, name);
    return upload_pieces(l, t, name, (const uint8_t *)data, (uint64_t)rows * cols * sizeof(float), stack);
}

/* dst (cols x rows) = src (rows x cols) transposed. */
static void transpose(const float *src, uint32_t rows, uint32_t cols, float *dst)
{
    for (uint32_t r = 0; r < rows; r++)
        for (uint32_t c = 0; c < cols; c++)
            dst[(size_t)c * rows + r] = src[(size_t)r * cols + c];
}

/* The expanded prefill form needs W_UK_h itself (d_n x r_kv), uploaded as F32 whatever the file's type (a quantized
 * W_UK_h^T cannot be transposed block-wise). k_up is [H][d_n][r_kv]. */
static mlavk_status upload_key_expansion(loader *l, uint32_t layer, model_layer *w, const float *k_up)
{
    const deepseek_config *c = &l->m->config;
    char name[96];
    snprintf(name, sizeof name, "blk.%u.attn_k_b.expand", layer);
    return load_f32_stack(l, name, &w->wk_up, k_up, c->n_head, c->qk_nope_head_dim, c->kv_lora_rank);
}

/* W_UK_h from the file's attn_k_b (W_UK_h^T per head), decoded to F32 on the host and transposed. */
static mlavk_status expand_file_k_b(loader *l, uint32_t layer, model_layer *w)
{
    const deepseek_config *c = &l->m->config;
    const uint32_t H = c->n_head, dn = c->qk_nope_head_dim, rkv = c->kv_lora_rank;
    char name[96];
    snprintf(name, sizeof name, "blk.%u.attn_k_b.weight", layer);
    const tensor_source *src = tensor_sources_find(l->files->sources, name);
    uint64_t n = (uint64_t)H * rkv * dn;
    if (!src || src->n_elements != n)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor %s is missing or has the wrong size", l->path, name);
    uint8_t *raw = malloc(src->n_bytes ? src->n_bytes : 1);
    float *k_b = malloc(n * sizeof *k_b), *k_up = malloc(n * sizeof *k_up);
    mlavk_status status =
        raw && k_b && k_up ? MLAVK_OK : mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", name);
    if (status == MLAVK_OK)
        status = tensor_source_read(src, raw, src->n_bytes);
    if (status == MLAVK_OK)
        status = dequantize_to_f32(src->type, raw, k_b, n, name);
    if (status == MLAVK_OK) {
        for (uint32_t h = 0; h < H; h++)
            transpose(k_b + (size_t)h * rkv * dn, rkv, dn, k_up + (size_t)h * dn * rkv);
        status = upload_key_expansion(l, layer, w, k_up);
    }
    free(raw);
    free(k_b);
    free(k_up);
    return status;
}

/* Older files hold W_UK and W_UV together in attn_kv_b [H*(d_n+d_v)] x [r_kv]; the absorbed form wants per head
 * W_UK_h^T (r_kv x d_n) and W_UV_h (d_v x r_kv), the expanded one W_UK_h as it is. */
static mlavk_status split_kv_b(loader *l, uint32_t layer, model_layer *w)
{
    const deepseek_config *c = &l->m->config;
    const uint32_t H = c->n_head, dn = c->qk_nope_head_dim, dv = c->v_head_dim, rkv = c->kv_lora_rank;
    char name[96];
    snprintf(name, sizeof name, "blk.%u.attn_kv_b.weight", layer);
    const tensor_source *src = tensor_sources_find(l->files->sources, name);
    if (!src)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: missing tensor %s", l->path, name);
    const size_t uk_floats = (size_t)dn * rkv, uv_floats = (size_t)dv * rkv;
    float *kv_b = malloc(H * (uk_floats + uv_floats) * sizeof *kv_b);
    float *k_b = malloc(H * uk_floats * sizeof *k_b), *k_up = malloc(H * uk_floats * sizeof *k_up);
    float *v_b = malloc(H * uv_floats * sizeof *v_b);
    uint8_t *raw = malloc(src->n_bytes);
    mlavk_status status = (kv_b && k_b && k_up && v_b && raw)
                              ? MLAVK_OK
                              : mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", name);
    if (status == MLAVK_OK)
        status = tensor_source_read(src, raw, src->n_bytes);
    if (status == MLAVK_OK)
        status = dequantize_to_f32(src->type, raw, kv_b, (uint64_t)H * (dn + dv) * rkv, name);
    if (status == MLAVK_OK) {
        for (uint32_t h = 0; h < H; h++) {
            const float *uk = kv_b + h * (uk_floats + uv_floats), *uv = uk + uk_floats;
            transpose(uk, dn, rkv, k_b + h * uk_floats);
            memcpy(k_up + h * uk_floats, uk, uk_floats * sizeof *k_up);
            memcpy(v_b + h * uv_floats, uv, uv_floats * sizeof *v_b);
        }
        snprintf(name, sizeof name, "blk.%u.attn_k_b.weight", layer);
        status = load_f32_stack(l, name, &w->wk_b, k_b, H, rkv, dn);
    }
    if (status == MLAVK_OK)
        status = upload_key_expansion(l, layer, w, k_up);
    if (status == MLAVK_OK) {
        snprintf(name, sizeof name, "blk.%u.attn_v_b.weight", layer);
        status = load_f32_stack(l, name, &w->wv_b, v_b, H, dv, rkv);
    }
    free(kv_b);
    free(k_b);
    free(k_up);
    free(v_b);
    free(raw);
    return status;
}

static mlavk_status load_layer_tensor(loader *l, uint32_t layer, const char *suffix, model_tensor *t)
{
    char name[96];
    snprintf(name, sizeof name, "blk.%u.%s", layer, suffix);
    return load_tensor(l, name, t);
}

static mlavk_status load_layer(loader *l, uint32_t i, model_layer *w)
{
    const deepseek_config *c = &l->m->config;
    MLAVK_TRY(load_layer_tensor(l, i, "attn_norm.weight", &w->attn_norm));
    if (c->q_lora_rank) {
        MLAVK_TRY(load_layer_tensor(l, i, "attn_q_a.weight", &w->wq_a));
        MLAVK_TRY(load_layer_tensor(l, i, "attn_q_a_norm.weight", &w->q_a_norm));
        MLAVK_TRY(load_layer_tensor(l, i, "attn_q_b.weight", &w->wq_b));
    } else {
        MLAVK_TRY(load_layer_tensor(l, i, "attn_q.weight", &w->wq));
        if (c->q_bias)
            MLAVK_TRY(load_layer_tensor(l, i, "attn_q.bias", &w->bq));
    }
    MLAVK_TRY(load_layer_tensor(l, i, "attn_kv_a_mqa.weight", &w->wkv_a));
    if (c->latent_bias)
        MLAVK_TRY(load_layer_tensor(l, i, "attn_kv_a_mqa.bias", &w->bkv_a));
    if (!c->no_latent_norm)
        MLAVK_TRY(load_layer_tensor(l, i, "attn_kv_a_norm.weight", &w->kv_a_norm));
    if (l->files->kv_b_form == DEEPSEEK_KV_B_LEGACY) {
        MLAVK_TRY(split_kv_b(l, i, w));
    } else {
        MLAVK_TRY(load_layer_tensor(l, i, "attn_k_b.weight", &w->wk_b));
        MLAVK_TRY(load_layer_tensor(l, i, "attn_v_b.weight", &w->wv_b));
        MLAVK_TRY(expand_file_k_b(l, i, w));
    }
    MLAVK_TRY(load_layer_tensor(l, i, "attn_output.weight", &w->wo));
    MLAVK_TRY(load_layer_tensor(l, i, "ffn_norm.weight", &w->ffn_norm));
    if (i < c->n_dense_lead) {
        MLAVK_TRY(load_layer_tensor(l, i, "ffn_gate.weight", &w->ffn_gate));
        MLAVK_TRY(load_layer_tensor(l, i, "ffn_up.weight", &w->ffn_up));
        return load_layer_tensor(l, i, "ffn_down.weight", &w->ffn_down);
    }
    MLAVK_TRY(load_layer_tensor(l, i, "ffn_gate_inp.weight", &w->router));
    char bias[96];
    snprintf(bias, sizeof bias, "blk.%u.exp_probs_b.bias", i);
    if (tensor_sources_find(l->files->sources, bias))
        MLAVK_TRY(load_tensor(l, bias, &w->router_bias));
    MLAVK_TRY(load_layer_tensor(l, i, "ffn_gate_exps.weight", &w->exp_gate));
    MLAVK_TRY(load_layer_tensor(l, i, "ffn_up_exps.weight", &w->exp_up));
    MLAVK_TRY(load_layer_tensor(l, i, "ffn_down_exps.weight", &w->exp_down));
    MLAVK_TRY(load_layer_tensor(l, i, "ffn_gate_shexp.weight", &w->sh_gate));
    MLAVK_TRY(load_layer_tensor(l, i, "ffn_up_shexp.weight", &w->sh_up));
    return load_layer_tensor(l, i, "ffn_down_shexp.weight", &w->sh_down);
}

/* rope_freqs.weight: pair i turns at theta_i / factor_i (llama.cpp's freq_factors). */
static mlavk_status apply_freq_factors(loader *l, float *freqs)
{
    const uint32_t pairs = l->m->config.qk_rope_head_dim / 2;
    const tensor_source *src = tensor_sources_find(l->files->sources, "rope_freqs.weight");
    if (!src || src->n_elements != pairs)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: rope_freqs.weight is missing or not %u values", l->path, pairs);
    uint8_t *raw = malloc(src->n_bytes ? src->n_bytes : 1);
    float *factors = malloc(pairs * sizeof *factors);
    mlavk_status status =
        raw && factors ? MLAVK_OK : mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", l->path);
    if (status == MLAVK_OK)
        status = tensor_source_read(src, raw, src->n_bytes);
    if (status == MLAVK_OK)
        status = dequantize_to_f32(src->type, raw, factors, pairs, "rope_freqs.weight");
    for (uint32_t i = 0; status == MLAVK_OK && i < pairs; i++) {
        if (!(factors[i] > 0.0f) || !isfinite(factors[i]))
            status = mlavk_fail(MLAVK_ERR_FORMAT, "%s: rope_freqs.weight[%u] = %g is not a positive factor", l->path,
                                i, (double)factors[i]);
        else
            freqs[i] /= factors[i];
    }
    free(raw);
    free(factors);
    return status;
}

/* RoPE frequencies (with YaRN when configured) and the softmax scale with its mscale correction. */
static mlavk_status load_rope(loader *l)
{
    const deepseek_config *c = &l->m->config;
    model_weights *w = &l->m->weights;
    ops_rope_params params = {.dims = c->qk_rope_head_dim,
                              .theta = c->rope_freq_base,
                              .factor = c->rope_yarn ? c->rope_scaling_factor : 1.0,
                              .original_context = c->rope_orig_ctx,
                              .beta_fast = c->yarn_beta_fast,
                              .beta_slow = c->yarn_beta_slow,
                              .mscale = c->yarn_mscale,
                              .mscale_all_dim = c->yarn_mscale_all_dim};
    float freqs[512];
    if (c->qk_rope_head_dim / 2 > 512 || c->qk_rope_head_dim % 2)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: rope dimension %u", l->path, c->qk_rope_head_dim);
    ops_rope_frequencies(&params, freqs);
    if (c->rope_freq_factors)
        MLAVK_TRY(apply_freq_factors(l, freqs));
    w->rope_magnitude = ops_rope_magnitude(&params);
    double scale = 1.0 / sqrt((double)(c->qk_nope_head_dim + c->qk_rope_head_dim));
    if (c->rope_yarn && c->rope_scaling_factor > 1) {
        double mscale = 0.1 * c->yarn_mscale_all_dim * log(c->rope_scaling_factor) + 1.0;
        scale *= mscale * mscale;
    }
    w->attention_scale = (float)scale;
    MLAVK_TRY(vk_buffer_create(l->m->ctx, c->qk_rope_head_dim / 2 * sizeof(float), VK_MEMORY_DEVICE, "rope freqs",
                               &w->rope_freqs));
    return vk_buffer_write(l->m->ctx, &w->rope_freqs, 0, freqs, c->qk_rope_head_dim / 2 * sizeof(float));
}

static mlavk_status check_budget(const model *m, const model_files *files, const char *path)
{
    vk_memory_usage usage;
    vk_memory_get_usage(m->ctx, &usage);
    uint64_t available = usage.device_budget ? usage.device_budget : m->ctx->info.device_local_bytes;
    uint64_t needed = model_weight_bytes(files);
    if (needed > available)
        return mlavk_fail(MLAVK_ERR_OUT_OF_DEVICE_MEMORY,
                          "%s: the weights need %.1f MiB of device memory but %s has %.1f MiB available", path,
                          (double)needed / 1048576.0, m->ctx->info.name, (double)available / 1048576.0);
    return MLAVK_OK;
}

static mlavk_status load_all(loader *l)
{
    model *m = l->m;
    MLAVK_TRY(check_budget(m, l->files, l->path));
    l->total_bytes = model_weight_bytes(l->files);
    m->weights.layers = calloc(m->config.n_layer, sizeof *m->weights.layers);
    if (!m->weights.layers)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", l->path);
    MLAVK_TRY(load_tensor(l, "token_embd.weight", &m->weights.token_embd));
    for (uint32_t i = 0; i < m->config.n_layer; i++)
        MLAVK_TRY(load_layer(l, i, &m->weights.layers[i]));
    MLAVK_TRY(load_tensor(l, "output_norm.weight", &m->weights.output_norm));
    if (!m->config.tied_embeddings) /* tied: the forward pass reads token_embd, no second copy */
        MLAVK_TRY(load_tensor(l, "output.weight", &m->weights.output));
    return load_rope(l);
}

mlavk_status model_load(vk_context *ctx, ops *ops, const model_files *files, const char *path,
                        model_progress_fn progress, void *progress_user, model **out)
{
    *out = NULL;
    model *m = calloc(1, sizeof *m);
    if (!m)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
    m->config = files->config;
    m->ctx = ctx;
    m->ops = ops;
    loader l = {.m = m, .path = path, .files = files, .progress = progress, .progress_user = progress_user,
                .up = {.ctx = ctx}};
    mlavk_status status = load_all(&l);
    mlavk_status finished = uploader_finish(&l.up);
    status = status == MLAVK_OK ? finished : status;
    if (status != MLAVK_OK) {
        model_free(m);
        return status;
    }
    *out = m;
    return MLAVK_OK;
}

static void free_tensor(vk_context *ctx, model_tensor *t)
{
    for (uint32_t p = 0; p < t->piece_count; p++)
        vk_buffer_destroy(ctx, &t->pieces[p]);
    t->piece_count = 0;
}

void model_free(model *m)
{
    if (!m)
        return;
    vk_context *ctx = m->ctx;
    free_tensor(ctx, &m->weights.token_embd);
    free_tensor(ctx, &m->weights.output_norm);
    free_tensor(ctx, &m->weights.output);
    for (uint32_t i = 0; m->weights.layers && i < m->config.n_layer; i++) {
        model_layer *w = &m->weights.layers[i];
        model_tensor *all[] = {&w->attn_norm, &w->wq,       &w->bq,       &w->bkv_a,
                               &w->wq_a,     &w->q_a_norm,    &w->wq_b,
                               &w->wkv_a,     &w->kv_a_norm, &w->wk_b,    &w->wk_up,       &w->wv_b,
                               &w->wo,        &w->ffn_norm,  &w->ffn_gate, &w->ffn_up,     &w->ffn_down,
                               &w->router,    &w->router_bias, &w->exp_gate, &w->exp_up,   &w->exp_down,
                               &w->sh_gate,   &w->sh_up,     &w->sh_down};
        for (size_t j = 0; j < sizeof all / sizeof all[0]; j++)
            free_tensor(ctx, all[j]);
    }
    free(m->weights.layers);
    vk_buffer_destroy(ctx, &m->weights.rope_freqs);
    free(m);
}
