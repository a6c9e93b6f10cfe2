/* The DeepSeek-V2/V3 model on a Vulkan device: hyperparameters, weights, the paged latent cache of many
 * sequences, per-step scratch, and the forward pass recorded as ops. Reads like the architecture; never calls vkCmd* itself. */
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
    MODEL_LOGITS_LAST,              /* logits of the last token of each sequence of the batch only */
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

/* The latent cache of every sequence: per layer one pool of pages of OPS_KV_PAGE_ROWS rows (r_kv + d_r values
 * each), handed to a sequence as it grows and returned when it ends, and a page table row per sequence slot. No
 * sequence reserves its longest context up front; sequences with a common prefix may share full pages, which
 * are counted by reference and return to the pool when the last holder lets go. */
typedef struct model_cache {
    ops_cache_type type;
    uint32_t n_pages;               /* pool pages per layer */
    uint32_t max_seqs;              /* sequence slots */
    uint32_t max_seq_len;           /* positions one sequence may hold (its context) */
    uint32_t pages_per_seq;         /* page table row length: a sequence's longest context in pages */
    vk_buffer *pools;               /* [L] buffers of [n_pages * OPS_KV_PAGE_ROWS][r_kv+d_r]: one binding each */
    uint64_t pool_layer_bytes;
    vk_buffer page_table;           /* [max_seqs][pages_per_seq] uint, host-visible: written as sequences grow */
    uint32_t *lengths;              /* [max_seqs] positions each sequence holds */
    uint32_t *free_pages;           /* [n_pages] a stack of the pool pages no sequence holds */
    uint32_t n_free;
    uint32_t *refs;                 /* [n_pages] holders of each page: page table rows and model_cache_hold */
} model_cache;

/* A pool of n_pages pages per layer for max_seqs sequences of at most max_seq_len positions each. */
mlavk_status model_cache_create(const model *m, uint32_t n_pages, uint32_t max_seqs, uint32_t max_seq_len,
                                ops_cache_type type, model_cache **out);
void model_cache_free(const model *m, model_cache *c);
/* Positions a sequence may still take: its page table row's room, not the pool's free pages. */
uint32_t model_cache_room(const model_cache *c, uint32_t seq);
/* Lets go of a sequence's pages (each returns to the pool when nothing else holds it) and empties it. */
void model_cache_release(model_cache *c, uint32_t seq);
/* Gives an empty sequence n full pages that hold positions 0 .. n * OPS_KV_PAGE_ROWS - 1 (pages of another
 * sequence with the same tokens there), each gaining a holder. */
mlavk_status model_cache_map(model_cache *c, uint32_t seq, const uint32_t *pages, uint32_t n);
/* The pool pages of a sequence, in position order. */
const uint32_t *model_cache_pages(const model_cache *c, uint32_t seq);
/* A holder of a page beyond the sequences' (a store of pages kept for later prompts), and its release. */
void model_cache_hold(model_cache *c, uint32_t page);
void model_cache_drop(model_cache *c, uint32_t page);

/* Per-step scratch: activations for up to max_batch tokens and the step's inputs. */
typedef struct model_state {
    uint32_t max_seq_len, max_batch, max_splits;
    model_prefill_attention prefill;
    model_attention_costs attention_costs; /* the device's, for AUTO */
    uint32_t expand_rows;           /* cached tokens the expanded form has room for (0: absorbed only) */
    vk_buffer latent_rows;          /* [expand_rows][r_kv+d_r] one sequence's cache rows in F32 */
    vk_buffer keys;                 /* [expand_rows][H*d_n] per-head keys without the RoPE part */
    vk_buffer values;               /* [expand_rows][H*d_v] per-head values */
    vk_buffer tokens, positions;    /* [max_batch] uint in host-visible memory: a step's inputs need no copy */
    vk_buffer seq_ids;              /* [max_batch] uint, host-visible: each token's sequence slot */
    vk_buffer head_ids;             /* [max_batch*H] uint: h for slot b*H+h (per-head weights as a stack) */
    vk_buffer head_offsets;         /* [H+1] uint: the absorbed tokens' slots grouped by head (ops_moe_group), */
    vk_buffer head_order;           /* [max_batch*H] uint: head h's slots head_order[offsets[h] .. offsets[h+1]) */
    vk_buffer x, h;                 /* [B][D] residual stream and its normalised copy */
    vk_buffer q_a;                  /* [B][r_q] */
    vk_buffer q;                    /* [B][H*(d_n+d_r)] */
    vk_buffer kv;                   /* [B][r_kv+d_r] */
    vk_buffer q_latent;             /* [B*H][r_kv] */
    vk_buffer o_latent;             /* [B*H][r_kv] */
    vk_buffer o;                    /* [B][H*d_v] */
    vk_buffer partial_out, partial_stats; /* mla_attention's splits: [max(B, max_splits)*H] queries */
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
} model_state;

/* Scratch for batches of up to max_batch tokens of sequences of up to max_seq_len positions. */
mlavk_status model_state_create(const model *m, uint32_t max_seq_len, uint32_t max_batch,
                                model_prefill_attention prefill, model_state **out);
void model_state_free(const model *m, model_state *s);

/* Whether a prompt batch of n_tokens of one sequence after n_past cached ones runs the expanded form. */
bool model_prefill_is_expanded(const model *m, const model_state *s, uint32_t n_tokens, uint32_t n_past);

/* Latent cache bytes per token: L x (r_kv + d_r) x element size. */
uint64_t model_kv_bytes_per_token(const deepseek_config *c, ops_cache_type cache_type);

/* A step's tokens, written into s->tokens, s->positions and s->seq_ids by model_batch_add. Only the first
 * sequence added may bring several tokens (a prompt chunk); every later one brings one (a decode token), so the
 * last token of each sequence is among the batch's last n_seqs tokens, and only those get logits (LAST). */
typedef struct model_batch {
    uint32_t n_tokens, n_seqs;
    uint32_t first_seq, first_past;  /* the first sequence added and the positions it held before */
    uint32_t max_keys;               /* the most cache rows a token of the batch attends to */
    model_logits logits;             /* LAST (each sequence's last token) or ALL (every token) */
} model_batch;

/* Appends n tokens of sequence seq at its next positions, taking pool pages as it crosses into new ones. Fails
 * (nothing added) when the sequence's context or the pool is full, or the batch would break its rules. */
mlavk_status model_batch_add(model_state *s, model_cache *c, model_batch *b, uint32_t seq, const int32_t *tokens,
                             uint32_t n);

/* Splits along the sequence that mla_attention takes for a batch: decode batches over long contexts fill the
 * device with several, prompt chunks take one. A recording is valid while the batch's shape and this agree. */
uint32_t model_attention_splits(const model_state *s, const model_batch *b);

/* Records the forward pass of the batch's tokens (read from the step buffers on the device) over the cache,
 * ending with logits in s->logits_host: row i is the batch's token n_tokens - n_rows + i, n_rows = n_seqs (LAST)
 * or n_tokens (ALL). */
mlavk_status model_record_forward(const model *m, model_state *s, const model_cache *cache, vk_recording *rec,
                                  const model_batch *b);

#endif
