/* TransMLA (Meng et al., arXiv 2502.07864; shared/docs/transmla-reference.md): a GQA model's attention rewritten as
 * multi-head latent attention, in steps that each keep the attention exactly (merge, RoRoPE with FreqFold 1 and RoPE
 * kept on every rotated dimension, balancing, full-rank PCA, softmax-scale compensation) or lose what the options
 * ask (partial RoPE, a kv rank below full). Floor 0: host arithmetic in double, eigen-decompositions by LAPACK.
 *
 * Every step transforms one layer's attention held in a general latent form (transmla_attention), so a test can
 * evaluate the attention after each step; transmla_convert runs them all and writes a deepseek2 GGUF. */
#ifndef MLAVK_CONVERT_TRANSMLA_H
#define MLAVK_CONVERT_TRANSMLA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/gqa_model.h"
#include "mlavk.h"

/* One layer's attention in latent form. For a token x: latent c = W_lat x + b_lat (n_lat values); per query head h
 * the query q_h = W_q,h x + b_q,h (d values) and u_h = K_up,h^T q_h (n_lat values). RoPE at the token's position
 * turns each listed pair (rows a, b of c and of u_h alike: a' = a cos - b sin, b' = a sin + b cos, angle = position
 * x freq). The score of query token t against key token s is score_scale * u_h(t) . c(s) and the head's output
 * sum_s softmax(score) V_up,h c(s) (d values). The merged GQA form has the pairs (g d + i, g d + i + d/2) of the
 * key part; the final MLA form has its latent rows [compressed (rank) ; rope (2 n_pairs, adjacent pairs)]. */
typedef struct transmla_attention {
    uint32_t n_embd, n_head, head_dim;
    uint32_t n_lat;
    uint32_t n_pairs;
    uint32_t *pair_a, *pair_b;  /* [n_pairs] latent rows */
    double *pair_freq;          /* [n_pairs] radians per position */
    double *w_lat;              /* [n_lat][n_embd] */
    double *b_lat;              /* [n_lat]; NULL without biases */
    double *k_up, *v_up;        /* [n_head][head_dim][n_lat] */
    double *wq;                 /* [n_head*head_dim][n_embd] */
    double *bq;                 /* [n_head*head_dim]; NULL without biases */
    double score_scale;
    /* Second moment sum c c^T of the latent over the calibration tokens ([n_lat][n_lat]), carried through every step
     * (each is a linear map of the latent). */
    double *moment;
} transmla_attention;

void transmla_attention_free(transmla_attention *a);

/* Merge (exact): c = [W_K x + b_K ; W_V x + b_V] (2 n_kv d rows); K_up,h and V_up,h select KV head
 * floor(h / (n_h / n_kv)). rope_factors: [d/2] or NULL (all 1). moment: [2L][2L] of [k; v] or NULL: the weights'
 * own (W W^T + b b^T, the moment under white-noise input). */
mlavk_status transmla_merge(const gqa_config *c, const gqa_layer *layer, const float *rope_factors,
                            const double *moment, transmla_attention *out);

/* RoRoPE: per block of freqfold adjacent frequencies a PCA across the KV heads (both halves of each pair as
 * samples) rotates the key part; the top rope_dim * freqfold / d components of every block keep RoPE (adjacent
 * pairs, block b's component j at frequency b*ff + floor(j*ff/m)), the rest lose it. Afterwards the latent is
 * [rope (rope_dim) ; key without RoPE (L - rope_dim) ; value (L)]. Exact with freqfold 1 and rope_dim = L. */
mlavk_status transmla_rorope(transmla_attention *a, uint32_t n_kv, uint32_t rope_dim, uint32_t freqfold);

/* Balanced KV (exact): the key rows without RoPE divided by alpha = mean column norm of those keys / that of the
 * values (from the moment), the matching up-projection columns multiplied by it. Returns alpha. */
double transmla_balance(transmla_attention *a, uint32_t rope_dim);

/* Joint PCA of [key without RoPE ; value] to rank (exact at 2L - rope_dim): the latent becomes
 * [compressed (rank) ; rope (rope_dim)]. */
mlavk_status transmla_pca(transmla_attention *a, uint32_t rope_dim, uint32_t rank);

/* Softmax scale (exact): DeepSeek divides scores by sqrt(d + rope_dim); the query is multiplied by
 * sqrt((d + rope_dim) / d) so they keep the GQA model's 1/sqrt(d). */
void transmla_scale(transmla_attention *a, uint32_t rope_dim);

/* PCA of a symmetric moment: eigenvectors of H + 0.01 mean(diag H) I by decreasing eigenvalue, as columns of
 * vectors ([n][n], vectors[i*n + j] = component i of vector j). */
mlavk_status transmla_pca_basis(const double *moment, uint32_t n, double *vectors);

typedef struct transmla_options {
    uint32_t rope_dim;          /* 0: 64 */
    uint32_t kv_rank;           /* 0: 512 */
    uint32_t freqfold;          /* 0: the smallest that holds rope_dim (max(1, d / rope_dim)) */
    bool freqfold_auto;         /* from the smallest, doubled while the calibration perplexity of the partial-RoPE
                                 * model improves (needs calib) */
    bool exact;                 /* rope_dim = rank = n_kv d, freqfold 1 */
    const int32_t *calib;       /* calibration token ids; NULL: white-noise moments (no forward) */
    size_t n_calib;
    /* The tokenizer of an HF model (read from its tokenizer.json), written into the output as GGUF keys; GGUF
     * models' tokenizer keys are copied as they are. */
    const mlavk_tokenizer *tokenizer;
    /* stage "calibrating" or "converting", layers done of n_layer */
    void (*progress)(const char *stage, uint32_t done, uint32_t n_layer, void *user);
    void *progress_user;
} transmla_options;

/* The sizes the options resolve to for a model, checked: rope_dim even, dividing d or a multiple of it, at most
 * n_kv d; freqfold dividing d/2 with rope_dim * freqfold a multiple of d; 1 <= rank <= 2 n_kv d - rope_dim. */
#define TRANSMLA_MAX_AUTO 16
typedef struct transmla_plan {
    uint32_t rope_dim, kv_rank, freqfold;
    uint32_t calib_window, calib_windows; /* tokens per window and windows used (0 without calibration) */
    double partial_rope_perplexity;       /* on the calibration text (0 without) */
    uint32_t n_auto;                      /* --freqfold auto: the freqfolds tried and their perplexities */
    uint32_t auto_freqfold[TRANSMLA_MAX_AUTO];
    double auto_perplexity[TRANSMLA_MAX_AUTO];
} transmla_plan;
mlavk_status transmla_plan_for(const gqa_config *c, const transmla_options *options, transmla_plan *plan);

/* Converts m and writes a deepseek2 GGUF to path (nothing left there on failure). tokenizer.* and the chat template
 * come from m->gguf; a model without GGUF metadata (HF directories) is refused. plan (may be NULL) receives the
 * sizes used. */
mlavk_status transmla_convert(const gqa_model *m, const transmla_options *options, const char *path,
                              transmla_plan *plan);

/* Calibration (transmla_calib.c): a CPU forward of the GQA model over the plan's windows of tokens, returning per
 * layer the moment sum [k;v][k;v]^T of the k and v projection outputs (pre-RoPE, with bias), [L][2Ld][2Ld]. */
mlavk_status transmla_calibrate(const gqa_model *m, const transmla_plan *plan, const transmla_options *options,
                                double **moments);

/* A forward of the model with every layer merged and RoRoPE'd at the plan's rope dim and freqfold (full rank, no
 * PCA) over the first `windows` calibration windows: its perplexity (what --freqfold auto compares) and, when
 * latent_moments is not NULL ([L][2Ld][2Ld]), each layer's moment of its latent before RoPE (what balancing and the
 * joint PCA read: the reference converter calibrates again on its partial-RoPE model). moments from
 * transmla_calibrate. */
mlavk_status transmla_partial_rope_pass(const gqa_model *m, const transmla_plan *plan,
                                       const transmla_options *options, const double *moments, uint32_t windows,
                                       double *perplexity, double *latent_moments);

#endif
