/* The DeepSeek-V2/V3 model on a Vulkan device: hyperparameters, weights, per-sequence state, and the forward
 * pass recorded as ops. Reads like the architecture; never calls vkCmd* itself. */
#ifndef MLAVK_MODEL_H
#define MLAVK_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "formats/deepseek_config.h"
#include "formats/model_files.h"
#include "ops/ops.h"

/* A weight on the device. Matrices are rows (outputs) x cols (inputs) in their GGUF block layout; stacked
 * per-head or per-expert weights have `stack` matrices. A weight larger than one binding is split into pieces
 * of whole rows (plain) or whole matrices (stacked). */
#define MODEL_MAX_PIECES 16
typedef struct model_tensor {
    ggml_type type;
    uint32_t stack, rows, cols;     /* 1-D weights (norms, biases): 1 x 1 x n */
    uint32_t piece_count;           /* stacked weights: at most OPS_MAX_PIECES */
    uint32_t per_piece;             /* rows (stack == 1) or matrices (stack > 1) in each piece but the last */
    vk_buffer pieces[MODEL_MAX_PIECES];
} model_tensor;

typedef struct model_layer {
    model_tensor attn_norm;         /* [D] */
    model_tensor wq;                /* [H*(d_n+d_r)] x [D]              without q-LoRA */
    model_tensor bq;                /* [H*(d_n+d_r)] query bias (config q_bias; no pieces otherwise) */
    model_tensor wq_a;              /* [r_q] x [D]                       q-LoRA down */
    model_tensor q_a_norm;          /* [r_q] */
    model_tensor wq_b;              /* [H*(d_n+d_r)] x [r_q]             q-LoRA up */
    model_tensor wkv_a;             /* [r_kv+d_r] x [D]                  latent and shared rope key */
    model_tensor bkv_a;             /* [r_kv+d_r] latent bias (config latent_bias; no pieces otherwise) */
    model_tensor kv_a_norm;         /* [r_kv] (no pieces with config no_latent_norm) */
    model_tensor wk_b;              /* H x [r_kv] x [d_n]                per head W_UK_h^T (absorbs into q) */
    model_tensor wk_up;             /* H x [d_n] x [r_kv]  F32           per head W_UK_h (expands keys) */
    model_tensor wv_b;              /* H x [d_v] x [r_kv]                per head W_UV_h */
    model_tensor wo;                /* [D] x [H*d_v] */
    model_tensor ffn_norm;          /* [D] */
    model_tensor ffn_gate, ffn_up;  /* dense: [F] x [D] */
    model_tensor ffn_down;          /* dense: [D] x [F] */
    model_tensor router;            /* MoE: [E] x [D] */
    model_tensor router_bias;       /* MoE: [E] (V3 selection bias; type 0 and no pieces when absent) */
    model_tensor exp_gate, exp_up;  /* MoE: E x [F_e] x [D] */
    model_tensor exp_down;          /* MoE: E x [D] x [F_e] */
    model_tensor sh_gate, sh_up;    /* MoE: [S*F_e] x [D] */
    model_tensor sh_down;           /* MoE: [D] x [S*F_e] */
} model_layer;

typedef struct model_weights {
    model_tensor token_embd;        /* [vocab] x [D] */
    model_tensor output_norm;       /* [D] */
    model_tensor output;            /* [vocab] x [D]; no pieces with tied embeddings (token_embd serves) */
    model_layer *layers;            /* [L] */
    uint64_t device_bytes;          /* all weight buffers */
    vk_buffer rope_freqs;           /* [d_r/2] F32 */
    float rope_magnitude;
    float attention_scale;
} model_weights;

typedef struct model {
    deepseek_config config;
    model_weights weights;
    vk_context *ctx;
    ops *ops;
} model;

/* Progress of weight upload, 0..1. */
typedef void (*model_progress_fn)(double fraction, void *user);

/* Uploads every tensor of files to the device; checks the memory budget first and refuses a model that does
 * not fit, with the numbers. */
mlavk_status model_load(vk_context *ctx, ops *ops, const model_files *files, const char *path,
                        model_progress_fn progress, void *progress_user, model **out);
void model_free(model *m);

/* Device bytes the weights of files would take (each tensor rounded up to the binding alignment), with the
 * F32 W_UK copies of model_key_expansion_bytes; the MTP blocks, never uploaded, not counted. */
uint64_t model_weight_bytes(const model_files *files);
/* The per-layer F32 W_UK (H x d_n x r_kv) that the expanded prefill form reads beside the file's W_UK^T. */
uint64_t model_key_expansion_bytes(const deepseek_config *c);

typedef enum model_logits {
    MODEL_LOGITS_LAST,              /* logits of the last token of the batch only */
    MODEL_LOGITS_ALL,               /* of every token */
} model_logits;

/* Attention of a prompt batch: absorbed (scores against the latent cache, as in decode) or expanded (per-head
 * keys and values computed from the cache, then ordinary attention); AUTO takes the one with fewer operations
 * for the batch. Decode (one token) is always absorbed. */
typedef enum model_prefill_attention {
    MODEL_PREFILL_AUTO,
    MODEL_PREFILL_ABSORBED,
    MODEL_PREFILL_EXPANDED,
} model_prefill_attention;

/* Relative time per floating-point operation of the three kinds of work in the two forms. */
typedef struct model_attention_costs {
    double products;                /* matrix products with a batch of rows (the expansion of keys and values) */
    double per_head;                /* per-head matrix-vector products (absorbing W_UK, applying W_UV) */
    double pairs;                   /* attention kernels: the work per (token, visible key) pair */
} model_attention_costs;

/* Plain operation counts (GPUs, until measured there), and lavapipe's measured rates (docs/PERF.md). */
extern const model_attention_costs model_costs_operations, model_costs_cpu;

/* Weighted operations of one layer's attention core (from the per-head queries to the per-head outputs) for
 * n_tokens tokens after n_past cached ones, in either form. */
double model_attention_cost(const deepseek_config *c, uint32_t n_tokens, uint32_t n_past, bool expanded,
                            const model_attention_costs *costs);

/* Activations, the latent cache and step inputs of one sequence. */
typedef struct model_state {
    uint32_t n_ctx, max_batch, n_splits_decode;
    ops_cache_type cache_type;
    model_prefill_attention prefill;
    model_attention_costs attention_costs; /* the device's, for AUTO */
    uint32_t expand_rows;           /* cached tokens the expanded form has room for (0: absorbed only) */
    vk_buffer key_ids;              /* [expand_rows] uint 0, 1, 2, ...: gathers cache rows */
    vk_buffer latent_rows;          /* [expand_rows][r_kv+d_r] cache rows in F32 */
    vk_buffer keys;                 /* [expand_rows][H*d_n] per-head keys without the RoPE part */
    vk_buffer values;               /* [expand_rows][H*d_v] per-head values */
    vk_buffer *kv_cache;            /* [L] buffers of [n_ctx][r_kv+d_r]: one binding each */
    uint64_t kv_layer_bytes;
    vk_buffer tokens, positions;    /* [max_batch] uint in host-visible memory: a step's inputs need no copy */
    vk_buffer head_ids;             /* [max_batch*H] uint: h for slot b*H+h (per-head weights as a stack) */
    vk_buffer x, h;                 /* [B][D] residual stream and its normalised copy */
    vk_buffer q_a;                  /* [B][r_q] */
    vk_buffer q;                    /* [B][H*(d_n+d_r)] */
    vk_buffer kv;                   /* [B][r_kv+d_r] */
    vk_buffer q_latent;             /* [B*H][r_kv] */
    vk_buffer o_latent;             /* [B*H][r_kv] */
    vk_buffer o;                    /* [B][H*d_v] */
    vk_buffer partial_out, partial_stats;
    vk_buffer ffn_a, ffn_b;         /* [B][max(F, S*F_e)] */
    vk_buffer router_logits;        /* [B][E] */
    vk_buffer *expert_ids;          /* [L] buffers of [B][k] uint: each layer's choices stay for inspection */
    vk_buffer expert_weights;       /* [B][k] */
    vk_buffer expert_offsets;       /* [E+1] uint: expert e's slots (b*k+j) of the current layer are */
    vk_buffer expert_order;         /* [B*k] uint: expert_order[offsets[e] .. offsets[e+1]) (ops_moe_group) */
    vk_buffer expert_ids_host;      /* [L][k]: the last token's choices, copied at the end of each forward */
    vk_buffer expert_a, expert_b;   /* [B*k][F_e] */
    vk_buffer expert_out;           /* [B*k][D] */
    vk_buffer shared_out;           /* [B][D] */
    vk_buffer logits;               /* [B][vocab] */
    vk_buffer logits_host;          /* [B][vocab], host-readable copy made at the end of each forward */
    uint32_t n_past;                /* tokens in the cache */
} model_state;

mlavk_status model_state_create(const model *m, uint32_t n_ctx, uint32_t max_batch, ops_cache_type cache_type,
                                model_prefill_attention prefill, model_state **out);

/* Whether a batch of n_tokens after s->n_past cached ones runs the expanded form. */
bool model_prefill_is_expanded(const model *m, const model_state *s, uint32_t n_tokens);
void model_state_free(const model *m, model_state *s);

/* Latent cache bytes per token: L x (r_kv + d_r) x element size. */
uint64_t model_kv_bytes_per_token(const deepseek_config *c, ops_cache_type cache_type);

/* Records the forward pass of n_tokens (<= max_batch) tokens whose ids and positions are read from s->tokens and
 * s->positions on the device, ending with the logits of the last token (or of all) in s->logits_host. */
mlavk_status model_record_forward(const model *m, model_state *s, vk_recording *rec, uint32_t n_tokens,
                                  model_logits which);

#endif
