/* DeepSeek V2/V3 (GGUF architecture "deepseek2") hyperparameters, read from GGUF metadata or an HF config.json,
 * and the manifest of tensors a model with those hyperparameters must contain. Symbols follow
 * shared/docs/deepseek-reference.md. */
#ifndef MLAVK_FORMATS_DEEPSEEK_CONFIG_H
#define MLAVK_FORMATS_DEEPSEEK_CONFIG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/gguf.h"
#include "mlavk.h"

typedef enum deepseek_gating {
    DEEPSEEK_GATING_SOFTMAX = 1, /* GGUF expert_gating_func values */
    DEEPSEEK_GATING_SIGMOID = 2,
} deepseek_gating;

/* What `mlavk info` reports of the rules a file needed: inferred defaults, skipped parts, keys read but ignored. */
#define DEEPSEEK_MAX_NOTES 10
#define DEEPSEEK_NOTE_LEN 200

typedef struct deepseek_config {
    char architecture[64];       /* "deepseek2" for GGUF; the HF architectures[0] otherwise */
    char family[64];             /* the model family recognised ("DeepSeek V3", "GLM-4.7-Flash", ...) */
    char family_evidence[96];    /* what it was recognised by ("tokenizer.ggml.pre 'glm4'", ...) */
    uint32_t n_embd;             /* D */
    uint32_t n_layer;            /* L: decoder blocks, without the multi-token-prediction layers */
    uint32_t n_block_count;      /* blocks the file holds: L + n_nextn_layers (GGUF block_count) */
    uint32_t n_head;             /* H */
    uint32_t q_lora_rank;        /* r_q; 0 = no q-LoRA (attn_q) */
    uint32_t kv_lora_rank;       /* r_kv */
    uint32_t qk_nope_head_dim;   /* d_n */
    uint32_t qk_rope_head_dim;   /* d_r */
    uint32_t v_head_dim;         /* d_v */
    uint32_t n_expert;           /* E */
    uint32_t n_expert_used;      /* k */
    uint32_t n_expert_shared;    /* S */
    uint32_t n_ff;               /* F: dense MLP width */
    uint32_t n_ff_exp;           /* F_e: expert width */
    uint32_t n_dense_lead;       /* n_dense: blocks < n_dense are dense */
    uint32_t n_group;            /* G */
    uint32_t n_group_used;       /* G_k */
    deepseek_gating gating;
    bool expert_weights_norm;
    float expert_weights_scale;
    float rms_norm_eps;
    uint32_t n_vocab;
    uint32_t n_ctx_train;
    uint32_t n_nextn_layers;     /* multi-token-prediction (NextN) blocks after the L main ones: skipped */
    bool tied_embeddings;        /* no output.weight / tie_word_embeddings: the output projection reads token_embd */
    /* The MLA form of a GQA model (mlavk transmla), GGUF only, told by blk.0's tensors and held by every block: */
    bool no_latent_norm;         /* no attn_kv_a_norm: the latent is used as projected (TransMLA's MLA has none) */
    bool q_bias;                 /* attn_q.bias [H*(d_n+d_r)] added to the query (no q-LoRA only) */
    bool latent_bias;            /* attn_kv_a_mqa.bias [r_kv+d_r] added to the latent and rope key */
    bool rope_freq_factors;      /* rope_freqs.weight [d_r/2]: pair i turns at theta_i / factor_i, as in llama.cpp */
    float attn_temp_scale;       /* s of attention.temperature_scale; 0: no attention temperature */
    uint32_t attn_temp_length;   /* n: the query at position p is scaled by log(floor(p / n) + 1) * s + 1 */
    float rope_freq_base;
    bool rope_yarn;              /* YaRN scaling present */
    float rope_scaling_factor;   /* 1 when absent */
    uint32_t rope_orig_ctx;
    float yarn_beta_fast, yarn_beta_slow;
    float yarn_mscale, yarn_mscale_all_dim;
    float yarn_log_multiplier;   /* GGUF form: 0.1 * mscale_all_dim */
    int64_t bos_token_id, eos_token_id; /* -1 when unknown */
    uint32_t n_notes;
    char notes[DEEPSEEK_MAX_NOTES][DEEPSEEK_NOTE_LEN];
} deepseek_config;

/* Appends a note (dropped beyond DEEPSEEK_MAX_NOTES). */
void deepseek_note(deepseek_config *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The attention temperature factor of the query at position p (1 without temperature scaling). */
double deepseek_attn_temperature(const deepseek_config *c, uint32_t position);

/* Whether a GGUF tensor name belongs to a multi-token-prediction block (blk.N.* with N >= L). */
bool deepseek_is_mtp_tensor(const deepseek_config *c, const char *name);

/* From GGUF keys with prefix "deepseek2.", following llama.cpp's deepseek2 loader (src/models/deepseek2.cpp):
 * absent optional keys take its defaults and inferences (q_lora_rank only for its V2-Lite block counts, gating
 * softmax or its GLM-4.7-Flash sigmoid rule, no grouping, expert_weights_scale 0 or absent = no scaling); the
 * main model has block_count - nextn_predict_layers blocks; output.weight absent = tied embeddings. Any other
 * "deepseek2." key is refused: an unknown key may change the math. */
mlavk_status deepseek_config_from_gguf(const gguf_file *gguf, deepseek_config *out);

/* Refuses a "deepseek2." key that is not one llama.cpp's deepseek2 loader reads or the converters write. */
mlavk_status deepseek_check_gguf_keys(const gguf_file *gguf);

/* Sets family and family_evidence: from tokenizer.ggml.pre, general.name and llama.cpp's shape rules (GGUF), or
 * from the architecture and shapes (HF). "deepseek2 (unrecognised family)" when nothing matches. */
void deepseek_family_from_gguf(const gguf_file *gguf, deepseek_config *c);
void deepseek_family_from_hf(deepseek_config *c);

/* From the text of an HF config.json (DeepseekV2ForCausalLM / DeepseekV3ForCausalLM); name for messages. */
mlavk_status deepseek_config_from_json(const char *json, size_t len, const char *name, deepseek_config *out);

/* Checks relations the model code relies on (k <= E, G_k <= G, E divisible by G, ...). */
mlavk_status deepseek_config_validate(const deepseek_config *c, const char *name);

typedef enum deepseek_kv_b_form {
    DEEPSEEK_KV_B_LEGACY, /* one attn_kv_b {r_kv, H*(d_n+d_v)}, split at load */
    DEEPSEEK_KV_B_SPLIT,  /* attn_k_b {d_n, r_kv, H} and attn_v_b {r_kv, d_v, H} */
} deepseek_kv_b_form;

typedef struct deepseek_tensor_spec {
    char name[64];              /* canonical GGUF name */
    uint32_t n_dims;
    uint64_t dims[4];           /* ggml order, innermost first */
    bool optional;              /* checked only when present (exp_probs_b.bias) */
    bool mtp;                   /* in a multi-token-prediction block: shape-checked, never loaded */
    bool routed_expert;         /* one slice per routed expert: counts k/E towards active parameters */
} deepseek_tensor_spec;

/* Every tensor the file may hold, the MTP blocks' included (marked mtp; optional when the file has no
 * blk.L.nextn.eh_proj, as llama.cpp has it); output.weight only without tied embeddings. Free *specs with free(). */
mlavk_status deepseek_manifest(const deepseek_config *c, deepseek_kv_b_form form, deepseek_tensor_spec **specs,
                               uint32_t *count);

/* "{2048, 102400}" */
void deepseek_format_dims(char *dst, size_t cap, uint32_t n_dims, const uint64_t *dims);

#endif
