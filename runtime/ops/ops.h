/* Kernel library: the only code that names shaders and push-constant structs. Each op records one or more
 * dispatches into a vk_recording; pipelines are created on first use.
 *
 * Offsets and strides are in floats (elements), not bytes, so a result can land anywhere in a bigger buffer
 * without the binding-offset alignment rules. Buffers that hold weights must extend to a whole number of 32-bit
 * words past the tensor's last byte (GGUF's 32-byte data alignment gives that).
 *
 * Speed: the weight kernels take a faster pipeline when input rows start on 16-byte boundaries (offset and stride
 * multiples of 4 floats) and, for F32/F16/BF16 weights, rows are a multiple of 16 bytes; other layouts work too. */
#ifndef MLAVK_OPS_H
#define MLAVK_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "formats/ggml_type.h"
#include "vk/vk_commands.h"

typedef enum ops_reduction {
    OPS_REDUCTION_AUTO,           /* subgroup arithmetic where the device has it, shared memory otherwise */
    OPS_REDUCTION_SUBGROUP,
    OPS_REDUCTION_SHARED_MEMORY,
} ops_reduction;

/* The kernel of batched products (ops_matmul from OPS_GEMM_MIN_BATCH rows of X). Cooperative: a workgroup's
 * invocations stride over a row's blocks together (coalesced reads, the GPU layout). Tiled: each invocation walks
 * whole rows for a tile of rows x batch items, with no reduction (fewest loads per multiply-add, which is what a
 * CPU driver is bound by; measured 2-7x faster on lavapipe, not yet measured on a GPU). */
typedef enum ops_batched {
    OPS_BATCHED_AUTO,             /* tiled on CPU devices, cooperative on GPUs */
    OPS_BATCHED_COOPERATIVE,
    OPS_BATCHED_TILED,
} ops_batched;

typedef struct ops_options {
    ops_reduction reduction;      /* MLAVK_REDUCTION=subgroup|shared overrides AUTO */
    ops_batched batched;          /* MLAVK_BATCHED_MATMUL=cooperative|tiled overrides AUTO */
} ops_options;

typedef struct ops ops;

mlavk_status ops_create(vk_context *ctx, const ops_options *options, ops **out);
void ops_destroy(ops *ops);
/* The reduction mode in effect (never AUTO). */
ops_reduction ops_reduction_mode(const ops *ops);

/* Rows of F32 activations: row i starts at element offset + i * stride of buffer (stride 0: rows are packed). */
typedef struct ops_rows {
    vk_binding buffer;
    uint32_t offset;
    uint32_t stride;
} ops_rows;

/* A weight matrix in its GGUF block layout: rows (outputs) x cols (inputs), row-major; cols is a multiple of the
 * type's block size. Types: those of formats/weight_types.h. */
typedef struct ops_weight {
    vk_binding data;
    ggml_type type;
    uint32_t rows, cols;
} ops_weight;

/* Bytes of one row of a weight of this type, 0 when cols is not a whole number of blocks or the type unknown. */
uint64_t ops_row_bytes(ggml_type type, uint32_t cols);

/* y[r] = sum_c W[r][c] x[c] (y[r] += ... when accumulate); one row of x and y. */
mlavk_status ops_matvec(ops *ops, vk_recording *rec, const ops_weight *w, ops_rows x, ops_rows y, bool accumulate);

/* Y[b][r] = sum_c W[r][c] X[b][c] for b < batch (prefill): the cooperative kernel reads each weight block once per
 * 8 rows of X; from OPS_GEMM_MIN_BATCH rows on, where ops_options.batched says tiled, the tiled kernel reads it once
 * per 2-4 and each x value once per 8 weight rows (on lavapipe faster from 2 rows of X on; the threshold leaves a
 * margin). */
#define OPS_GEMM_MIN_BATCH 4
mlavk_status ops_matmul(ops *ops, vk_recording *rec, const ops_weight *w, ops_rows x, ops_rows y, uint32_t batch,
                        bool accumulate);

/* A stacked expert weight, experts x rows x cols, in up to 4 bindings ("pieces") of experts_per_piece whole
 * experts each (the last may hold fewer), since the whole may exceed maxStorageBufferRange. Each piece costs one
 * dispatch. */
#define OPS_MAX_PIECES 4
typedef struct ops_expert_weight {
    vk_binding pieces[OPS_MAX_PIECES];
    uint32_t piece_count;
    uint32_t experts_per_piece;
    ggml_type type;
    uint32_t experts, rows, cols;
} ops_expert_weight;

/* How many experts of expert_bytes fit in one binding on this device (0 when not even one). */
uint32_t ops_experts_per_piece(const vk_context *ctx, uint64_t expert_bytes);

/* Groups slots by expert: offsets [experts + 1] (uint) and order [slots] (uint) such that order[offsets[e] ..
 * offsets[e + 1]) lists, ascending, the slots s < slots with ids[ids_offset + s] == e, for e < experts <=
 * OPS_MOE_MAX_EXPERTS. Ids >= experts fall in no group. */
mlavk_status ops_moe_group(ops *ops, vk_recording *rec, vk_binding ids, uint32_t ids_offset, uint32_t slots,
                           uint32_t experts, vk_binding offsets, vk_binding order);

/* For each slot s < slots: y row s = W[e] x row (s / slots_per_x), e the slot's expert: ids[ids_offset + s], read
 * on the device (the shader trusts e < experts: the ids come from ops_topk), or as grouped by ops_moe_group
 * (offsets and order for at least w->experts experts and `slots` slots; ids is then unused). slots_per_x = k: the
 * slots of a token share its input (gate/up projections); 1: each slot has its own input row (down projection).
 * Tokens x k slots batch.
 *
 * Without a grouping, one workgroup per slot and row group reads the slot's expert (the reduction kernel), so an
 * expert two slots share is read twice: for a single token, whose k slots have k experts. With one, each expert is
 * read once per run of its slots: up to 8 in the grouped reduction kernel, 2-4 in the tiled kernel (tiled: where
 * ops_moe_tiled_pays). */
typedef struct ops_moe_args {
    vk_binding ids;
    uint32_t ids_offset;
    uint32_t slots;
    uint32_t slots_per_x;
    ops_rows x;
    ops_rows y;
    bool accumulate;
    vk_binding offsets, order;    /* optional grouping from ops_moe_group */
    bool tiled;                   /* with a grouping: the tiled kernel */
} ops_moe_args;
mlavk_status ops_moe_matvec(ops *ops, vk_recording *rec, const ops_expert_weight *w, const ops_moe_args *args);

/* Whether grouped expert products take the tiled kernel: where ops_options.batched is tiled (CPU devices). On
 * lavapipe, 6 of 64 V2-Lite experts (1408x2048 Q8_0) at 2 / 4 / 8 / 16 / 64 tokens, in ms: tiled 36 / 46 / 78 /
 * 120 / 340, per slot 46 / 92 / 172 / 344 / 1400, grouped reduction 168 / 241 / 376 / 698 / 1566 (the grouped
 * reduction kernel's data-dependent tile costs a CPU driver 3x; it is for GPUs, where the weight reads it saves
 * are what counts). */
bool ops_moe_tiled_pays(const ops *ops);


/* For rows (at most 65535) of n: y = x / sqrt(mean(x^2) + eps) * weight. In place (x and y the same) is fine. */
mlavk_status ops_rmsnorm(ops *ops, vk_recording *rec, ops_rows x, vk_binding weight, ops_rows y, uint32_t n,
                         uint32_t rows, float eps);

/* Rotary embedding parameters. factor <= 1 means plain RoPE; otherwise YaRN (DeepSeek) with the original context
 * length, beta_fast / beta_slow and the two mscale values. */
typedef struct ops_rope_params {
    uint32_t dims;                /* d_r: rotated values per head (even) */
    double theta;
    double factor;
    uint32_t original_context;
    double beta_fast, beta_slow;
    double mscale, mscale_all_dim;
} ops_rope_params;

/* Host side: the dims/2 pair frequencies to upload for ops_rope, and the cos/sin magnitude factor. */
void ops_rope_frequencies(const ops_rope_params *params, float *freqs);
float ops_rope_magnitude(const ops_rope_params *params);

/* In place, for token t < tokens and head h < heads: pairs (v[2i], v[2i+1]), i < dims/2, of
 * v = x.buffer + x.offset + t * x.stride + h * head_stride (stride 0: heads * head_stride) are rotated by
 * pos[t] * freqs[i] and scaled by magnitude. The offset picks the sub-range (e.g. the last d_r of each head's
 * d_n + d_r); heads = 1 for the shared k_pe. Positions are read on the device, so a recording can be replayed. */
typedef struct ops_rope_args {
    ops_rows x;
    uint32_t dims, heads, tokens, head_stride;
    vk_binding positions;         /* uint per token */
    vk_binding freqs;             /* dims/2 floats from ops_rope_frequencies */
    float magnitude;
} ops_rope_args;
mlavk_status ops_rope(ops *ops, vk_recording *rec, const ops_rope_args *args);

/* Attention temperature (Mistral Large 3), in place: for token t < tokens, the n floats of x row t are multiplied by
 * log(floor(pos[t] / length) + 1) * scale + 1, positions (uint per token) read on the device. length > 0. */
mlavk_status ops_attn_temperature(ops *ops, vk_recording *rec, ops_rows x, uint32_t n, uint32_t tokens,
                                  vk_binding positions, uint32_t length, float scale);

/* For rows r of n (any number of rows): y = softmax(scale * x); causal: row r sees columns c <= causal_p0 + r, the
 * others become 0. In place is fine. */
mlavk_status ops_softmax(ops *ops, vk_recording *rec, ops_rows x, ops_rows y, uint32_t n, uint32_t rows, float scale,
                         bool causal, uint32_t causal_p0);

/* Element-wise over n floats. */
/* out[i] = a[i] + b[i] */
mlavk_status ops_add(ops *ops, vk_recording *rec, vk_binding a, vk_binding b, vk_binding out, uint32_t n);
/* x[r][i] += bias[i] for r < rows, i < n: rows of n values packed in x (in place). */
mlavk_status ops_add_bias(ops *ops, vk_recording *rec, vk_binding x, vk_binding bias, uint32_t n, uint32_t rows);
/* out[i] = silu(gate[i]) * up[i] */
mlavk_status ops_silu_mul(ops *ops, vk_recording *rec, vk_binding gate, vk_binding up, vk_binding out, uint32_t n);
/* out[i] = alpha * x[i] */
mlavk_status ops_scale(ops *ops, vk_recording *rec, vk_binding x, vk_binding out, uint32_t n, float alpha);
/* out[i] = 1 / (1 + exp(-x[i])) */
mlavk_status ops_sigmoid(ops *ops, vk_recording *rec, vk_binding x, vk_binding out, uint32_t n);

/* Embedding gather: for t < tokens, out row t = row ids[t] of a table, decoded to F32. The table binding may be one
 * piece of a bigger table holding rows [row_begin, row_begin + table->rows); tokens whose id is outside are left
 * untouched, so pieces can be gathered one after another into the same rows. */
mlavk_status ops_get_rows(ops *ops, vk_recording *rec, const ops_weight *table, uint32_t row_begin, vk_binding ids,
                          uint32_t tokens, ops_rows out);

/* For rows r (at most 65535) of n: out[r] (uint) = index of the largest value, the lowest index on ties. */
mlavk_status ops_argmax(ops *ops, vk_recording *rec, ops_rows x, uint32_t n, uint32_t rows, vk_binding out);

/* For rows r (at most 65535) of n <= OPS_TOPK_MAX_N scores: the k <= n largest, descending, ties to the lower
 * index: ids[r*k + j] (uint) and values[r*k + j]. */
#define OPS_TOPK_MAX_N 1024 /* TOPK_MAX_N of the shader */
mlavk_status ops_topk(ops *ops, vk_recording *rec, ops_rows scores, uint32_t n, uint32_t rows, uint32_t k,
                      vk_binding ids, vk_binding values);

/* ---- Latent KV cache and absorbed MLA attention (ops_attention.c) ---- */

typedef enum ops_cache_type { OPS_CACHE_F16, OPS_CACHE_F32 } ops_cache_type;

/* The paged latent cache (KV_PAGE_ROWS of push_constants.h): position t of sequence slot s is pool row
 * page_table[s * pages_per_seq + t / OPS_KV_PAGE_ROWS] * OPS_KV_PAGE_ROWS + t % OPS_KV_PAGE_ROWS. */
#define OPS_KV_PAGE_ROWS 64
typedef struct ops_kv_pages {
    vk_binding pool;           /* [pages * OPS_KV_PAGE_ROWS][row_dim] of the cache type */
    vk_binding page_table;     /* [slots][pages_per_seq] uint */
    uint32_t pages_per_seq;
    ops_cache_type type;
} ops_kv_pages;

/* Where each token of a batch is: positions[b] and seq_ids[b] (uint), its position and sequence slot. */
typedef struct ops_token_places {
    vk_binding positions;
    vk_binding seq_ids;
} ops_token_places;

/* The latent width mla_attention supports (MLA_ATTENTION_MAX_LATENT of the shader). */
#define OPS_MLA_MAX_LATENT 512

typedef struct ops_mla_shape {
    uint32_t n_queries;        /* batch tokens x heads; query q is token q / n_heads */
    uint32_t n_heads;
    uint32_t latent_dim;       /* r_kv */
    uint32_t row_dim;          /* r_kv + d_r */
    uint32_t n_splits;         /* sequence splits (flash decoding); partial buffers are sized by it */
    float scale;
    uint32_t first_token;      /* query q is token first_token + q / n_heads of the token places */
} ops_mla_shape;

/* Bytes of the scratch buffers mla_attention needs for a shape. */
uint64_t ops_mla_partial_out_bytes(const ops_mla_shape *shape);
uint64_t ops_mla_partial_stats_bytes(const ops_mla_shape *shape);

/* The cache row of token b's place <- rows[b] for b < n_rows; rows is [n_rows][row_dim] F32. */
mlavk_status ops_kv_store(ops *ops, vk_recording *rec, const ops_kv_pages *kv, vk_binding rows,
                          const ops_token_places *places, uint32_t n_rows, uint32_t row_dim);

/* out[t] = the cache row of position t of sequence slot seq, as F32, for t < n_rows; out is [n_rows][row_dim]. */
mlavk_status ops_kv_gather(ops *ops, vk_recording *rec, const ops_kv_pages *kv, uint32_t seq, uint32_t n_rows,
                           uint32_t row_dim, vk_binding out);

/* out[q][latent_dim] = softmax_t(scale * query[q] . cache[t]) . cache[t][0:latent_dim] over the rows t <=
 * positions[b] of sequence seq_ids[b], b = first_token + q/H, where query[q] = [query_latent[q] (latent_dim F32: W_UK^T q_nope) |
 * the row_dim - latent_dim F32 of query_rope row q (q_pe after RoPE)]. Tokens of one sequence should be
 * consecutive in the batch: a workgroup serves each run of them with one pass over its rows. */
mlavk_status ops_mla_attention(ops *ops, vk_recording *rec, const ops_mla_shape *shape, vk_binding query_latent,
                               ops_rows query_rope, const ops_kv_pages *kv, const ops_token_places *places,
                               vk_binding partial_out, vk_binding partial_stats, vk_binding out);

/* The expanded prefill form: keys and values per head, computed from the latent cache by matrix products, then
 * ordinary causal attention. Costs less than the absorbed form for large batches (r_kv is much wider than the
 * per-head key and value). */
#define OPS_EXPANDED_MAX_VALUE 256  /* ATTENTION_EXPANDED_MAX_VALUE of the shader */
typedef struct ops_expanded_shape {
    uint32_t n_tokens;         /* batch tokens of one sequence; token b sees keys 0 .. positions[b] */
    uint32_t n_heads;
    uint32_t nope_dim;         /* d_n: per-head key width without RoPE */
    uint32_t rope_dim;         /* d_r: the RoPE key part, shared by all heads */
    uint32_t value_dim;        /* d_v <= OPS_EXPANDED_MAX_VALUE */
    float scale;
} ops_expanded_shape;
/* out row b, head h (value_dim floats at h * value_dim) = softmax_t(scale * query . key_t) . value_t where
 * query = query row b at h * (nope_dim + rope_dim) ([q_nope | q_pe]), key_t = [keys row t at h * nope_dim |
 * key_rope row t (rope_dim floats)], value_t = values row t at h * value_dim. */
mlavk_status ops_attention_expanded(ops *ops, vk_recording *rec, const ops_expanded_shape *shape, ops_rows query,
                                    ops_rows keys, ops_rows key_rope, ops_rows values, vk_binding positions,
                                    ops_rows out);

/* ---- Mixture of experts (ops_moe.c) ---- */

/* The routing moe_route supports (MOE_ROUTE_MAX_EXPERTS and MOE_ROUTE_MAX_GROUPS of the shader). */
#define OPS_MOE_MAX_EXPERTS 256
#define OPS_MOE_MAX_GROUPS 64

typedef struct ops_moe_routing {
    uint32_t n_experts, n_used;        /* E, k */
    uint32_t n_groups, n_groups_used;  /* G, G_k (1, 1: no group limit) */
    bool sigmoid;                      /* sigmoid scores (V3) or softmax */
    bool group_max;                    /* V2 rule: a group scores its max; else the sum of its top 2 */
    bool normalize;                    /* weights divided by their sum */
    float routed_scale;
} ops_moe_routing;

/* For each of n_tokens rows of router logits [n_tokens][E]: ids [n_tokens][k] (uint) and weights
 * [n_tokens][k] (F32). bias ([E] F32) is the V3 score correction, used for selection only; pass
 * bias.buffer == NULL when the model has none. */
mlavk_status ops_moe_route(ops *ops, vk_recording *rec, const ops_moe_routing *routing, vk_binding logits,
                           vk_binding bias, vk_binding ids, vk_binding weights, uint32_t n_tokens);

/* x[b] += sum_j weights[b][j] * expert_out[b][j] + shared_out[b], rows of dim floats. */
mlavk_status ops_moe_combine(ops *ops, vk_recording *rec, vk_binding x, vk_binding expert_out, vk_binding weights,
                             vk_binding shared_out, uint32_t n_tokens, uint32_t n_used, uint32_t dim);

#endif
