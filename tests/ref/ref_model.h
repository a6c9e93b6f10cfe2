/* A plain-C double-precision DeepSeek-V2/V3 forward pass written from the math in its naive form (per-head K
 * and V expanded from the latent), sharing no code with the GPU path. The reference the runtime is tested
 * against. Matrices are row-major [out][in] (the orientation of HF Linear weights and of GGUF data). */
#ifndef MLAVK_REF_MODEL_H
#define MLAVK_REF_MODEL_H

#include <stdbool.h>

typedef struct ref_config {
    int dim, n_layers, n_heads, vocab;
    int q_lora_rank;            /* 0: no q-LoRA */
    int kv_lora_rank, qk_nope_dim, qk_rope_dim, v_dim;
    int n_experts, n_experts_used, n_shared, ffn_dim, expert_ffn_dim, n_dense;
    int n_groups, n_groups_used;
    bool sigmoid_scores, norm_topk, has_score_bias;
    bool v2_group_max;          /* group score = max of the group (V2) rather than the sum of its top 2 (V3) */
    double routed_scale, rms_eps;
    double rope_theta;
    bool yarn;
    double yarn_factor, yarn_orig_ctx, yarn_beta_fast, yarn_beta_slow, yarn_mscale, yarn_mscale_all_dim;
    bool tied_embeddings;       /* the output projection is the embedding table */
    double temp_scale;          /* attention temperature s (0: none): query at position p times */
    int temp_length;            /*   log(floor(p / temp_length) + 1) * s + 1 */
} ref_config;

typedef struct ref_layer {
    double *attn_norm;          /* [dim] */
    double *wq;                 /* [H*(d_n+d_r)][dim]        when q_lora_rank == 0 */
    double *wq_a;               /* [r_q][dim]                 q-LoRA down */
    double *q_a_norm;           /* [r_q] */
    double *wq_b;               /* [H*(d_n+d_r)][r_q]         q-LoRA up */
    double *wkv_a;              /* [r_kv+d_r][dim] */
    double *kv_a_norm;          /* [r_kv] */
    double *wkv_b;              /* [H*(d_n+d_v)][r_kv]        per head: d_n rows W_UK, then d_v rows W_UV */
    double *wo;                 /* [dim][H*d_v] */
    double *ffn_norm;           /* [dim] */
    double *gate, *up;          /* dense: [F][dim] */
    double *down;               /* dense: [dim][F] */
    double *router;             /* MoE: [E][dim] */
    double *score_bias;         /* MoE: [E] or NULL */
    double *exp_gate, *exp_up;  /* MoE: [E][F_e][dim] */
    double *exp_down;           /* MoE: [E][dim][F_e] */
    double *sh_gate, *sh_up;    /* MoE: [S*F_e][dim] */
    double *sh_down;            /* MoE: [dim][S*F_e] */
} ref_layer;

typedef struct ref_model {
    ref_config c;
    double *embed;              /* [vocab][dim] */
    double *out_norm;           /* [dim] */
    double *output;             /* [vocab][dim]; NULL with tied embeddings (embed serves) */
    ref_layer *layers;          /* [n_layers] */
} ref_model;

/* The per-head keys and values of every position so far (the naive cache). */
typedef struct ref_state {
    int capacity, pos;
    bool f16_cache;             /* round the cached latent and rope key to F16, as an F16 latent cache does */
    double **keys;              /* [layer] -> [pos][H][d_n+d_r] */
    double **values;            /* [layer] -> [pos][H][d_v] */
    int *experts_chosen;        /* [layer][k] of the last token, for routing checks */
    double routing_margin;      /* of the last token: smallest gap between a chosen and a passed-over score */
} ref_state;

bool ref_state_init(ref_state *s, const ref_config *c, int capacity);
void ref_state_free(ref_state *s, const ref_config *c);

/* Runs one token at the next position and writes logits[vocab]. */
void ref_forward(const ref_model *m, ref_state *s, int token, double *logits);

/* The softmax scale of the attention scores, YaRN mscale included. */
double ref_attention_scale(const ref_config *c);

#endif
