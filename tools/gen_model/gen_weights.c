/* The model's tensor lists and its seeded values. Every weight is drawn independently from its own
 * splitmix64 stream (seed = mix(--seed ^ FNV-1a(HF name))), element i from output i of that stream, so any
 * range of any weight can be made on its own: GGUF and HF writers stream the same values in any order. */
#include "gen_model.h"
#include "gen_quant.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GOLDEN 0x9e3779b97f4a7c15ull

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t fnv1a64(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    return h;
}

void gen_fill(const gen_config *cfg, const gen_weight *w, uint64_t first, uint64_t count, float *out)
{
    /* Uniform noise: as good as Gaussian for keeping activations O(1), and much cheaper to draw. */
    double std = 1.0, offset = 0.0;
    switch (w->init) {
    case INIT_LINEAR: std = 1.0 / sqrt((double)w->cols); break;
    case INIT_GATE: std = 3.0 / sqrt((double)w->cols); break; /* well separated expert scores */
    case INIT_EMBED: std = cfg->tied ? 1.0 / sqrt((double)w->cols) : 1.0; break; /* tied: the output projection too */
    case INIT_NORM: std = 0.05, offset = 1.0; break;
    case INIT_BIAS: std = 0.05; break;
    }
    double amp = std * sqrt(3.0);
    uint64_t seed = mix64(cfg->seed ^ fnv1a64(w->name));
    for (uint64_t i = 0; i < count; i++) {
        uint64_t r = mix64(seed + (first + i + 1) * GOLDEN);
        double u = ((double)(r >> 40) + 0.5) / 8388608.0 - 1.0; /* 24 bits -> (-1, 1) */
        out[i] = (float)(offset + amp * u);
    }
}

void gen_expert_name(const gen_weight *src, uint32_t j, char *out, size_t size)
{
    const char *at = strstr(src->name, ".experts.0.");
    if (!at) {
        snprintf(out, size, "%s", src->name);
        return;
    }
    snprintf(out, size, "%.*s.experts.%u.%s", (int)(at - src->name), src->name, j,
             at + strlen(".experts.0."));
}

float *gen_tensor_values(const gen_config *cfg, const gen_tensor *t)
{
    uint64_t n = t->ne[0] * t->ne[1] * t->ne[2];
    float *out = gen_alloc(n * sizeof(float));
    if (t->source == SRC_COPY) {
        gen_fill(cfg, &t->src, 0, n, out);
    } else if (t->source == SRC_STACK) {
        uint64_t per = t->ne[0] * t->ne[1];
        for (uint32_t j = 0; j < t->ne[2]; j++) {
            gen_weight w = t->src;
            gen_expert_name(&t->src, j, w.name, sizeof w.name);
            gen_fill(cfg, &w, 0, per, out + j * per);
        }
    } else {
        /* kv_b_proj rows: per head d_n rows of W_UK_h, then d_v rows of W_UV_h, each r_kv wide */
        uint64_t r_kv = cfg->kv_lora, dn = cfg->d_nope, dv = cfg->d_v;
        float *kv = gen_alloc(t->src.rows * t->src.cols * sizeof(float));
        gen_fill(cfg, &t->src, 0, t->src.rows * t->src.cols, kv);
        for (uint64_t h = 0; h < cfg->heads; h++) {
            const float *head = kv + h * (dn + dv) * r_kv;
            for (uint64_t r = 0; r < r_kv; r++) {
                if (t->source == SRC_K_B)
                    for (uint64_t k = 0; k < dn; k++)
                        out[(h * r_kv + r) * dn + k] = head[k * r_kv + r];
                else
                    for (uint64_t v = 0; v < dv; v++)
                        out[(h * dv + v) * r_kv + r] = head[(dn + v) * r_kv + r];
            }
        }
        free(kv);
    }
    return out;
}

typedef struct builder {
    const gen_config *cfg;
    gen_model *m;
    size_t cap_w, cap_t;
    uint32_t layer;
} builder;

static void add_weight(builder *b, const gen_weight *w)
{
    if (b->m->n_weights == b->cap_w) {
        b->cap_w = b->cap_w ? 2 * b->cap_w : 64;
        b->m->weights = realloc(b->m->weights, b->cap_w * sizeof *b->m->weights);
        if (!b->m->weights)
            gen_die("out of memory");
    }
    b->m->weights[b->m->n_weights++] = *w;
}

/* The converter keeps norms, the router and its bias in F32; a row that is not a whole number of blocks
 * falls back to Q8_0, then F16 (llama.cpp's quantizer falls back the same way, to other types). */
static ggml_type pick_type(const gen_config *cfg, uint64_t ne0, bool keep_f32)
{
    ggml_type t = cfg->gguf_type;
    if (keep_f32)
        return GGML_TYPE_F32;
    if (ne0 % ggml_type_get(t)->block_elems == 0)
        return t;
    return ne0 % 32 == 0 ? GGML_TYPE_Q8_0 : GGML_TYPE_F16;
}

static void add_tensor(builder *b, const char *leaf, uint64_t ne0, uint64_t ne1, uint64_t ne2, gen_source source,
                       const gen_weight *src, bool keep_f32)
{
    if (b->m->n_tensors == b->cap_t) {
        b->cap_t = b->cap_t ? 2 * b->cap_t : 64;
        b->m->tensors = realloc(b->m->tensors, b->cap_t * sizeof *b->m->tensors);
        if (!b->m->tensors)
            gen_die("out of memory");
    }
    gen_tensor *t = &b->m->tensors[b->m->n_tensors++];
    memset(t, 0, sizeof *t);
    if (b->layer == UINT32_MAX)
        snprintf(t->name, sizeof t->name, "%s", leaf);
    else
        snprintf(t->name, sizeof t->name, "blk.%u.%s", b->layer, leaf);
    t->n_dims = ne2 > 1 || source == SRC_STACK || source == SRC_K_B || source == SRC_V_B ? 3 : ne1 > 1 ? 2 : 1;
    t->ne[0] = ne0, t->ne[1] = ne1, t->ne[2] = ne2;
    t->type = pick_type(b->cfg, ne0, keep_f32);
    t->source = source;
    t->src = *src;
    t->layer = b->layer;
    t->bytes = ne1 * ne2 * gen_row_bytes(t->type, ne0);
}

static gen_weight weight(builder *b, const char *leaf, uint64_t rows, uint64_t cols, gen_init init)
{
    gen_weight w;
    memset(&w, 0, sizeof w);
    if (b->layer == UINT32_MAX)
        snprintf(w.name, sizeof w.name, "%s", leaf);
    else
        snprintf(w.name, sizeof w.name, "model.layers.%u.%s", b->layer, leaf);
    w.rows = rows, w.cols = cols, w.is_1d = rows == 1, w.init = init;
    w.fp8 = init == INIT_LINEAR && rows > 1 && b->layer != UINT32_MAX;
    return w;
}

/* An HF weight [rows, cols] that GGUF stores as is, ggml shape {cols, rows}. */
static void mirror(builder *b, const char *hf, const char *gguf, uint64_t rows, uint64_t cols, gen_init init)
{
    gen_weight w = weight(b, hf, rows, cols, init);
    add_weight(b, &w);
    add_tensor(b, gguf, cols, rows, 1, SRC_COPY, &w, rows == 1 || init == INIT_GATE);
}

static void build_attention(builder *b)
{
    const gen_config *c = b->cfg;
    uint64_t q_width = (uint64_t)c->heads * (c->d_nope + c->d_rope);
    mirror(b, "input_layernorm.weight", "attn_norm.weight", 1, c->dim, INIT_NORM);
    if (c->q_lora) {
        mirror(b, "self_attn.q_a_proj.weight", "attn_q_a.weight", c->q_lora, c->dim, INIT_LINEAR);
        mirror(b, "self_attn.q_a_layernorm.weight", "attn_q_a_norm.weight", 1, c->q_lora, INIT_NORM);
        mirror(b, "self_attn.q_b_proj.weight", "attn_q_b.weight", q_width, c->q_lora, INIT_LINEAR);
    } else {
        mirror(b, "self_attn.q_proj.weight", "attn_q.weight", q_width, c->dim, INIT_LINEAR);
    }
    mirror(b, "self_attn.kv_a_proj_with_mqa.weight", "attn_kv_a_mqa.weight", c->kv_lora + c->d_rope, c->dim,
           INIT_LINEAR);
    mirror(b, "self_attn.kv_a_layernorm.weight", "attn_kv_a_norm.weight", 1, c->kv_lora, INIT_NORM);
    uint64_t kv_rows = (uint64_t)c->heads * (c->d_nope + c->d_v);
    gen_weight kv_b = weight(b, "self_attn.kv_b_proj.weight", kv_rows, c->kv_lora, INIT_LINEAR);
    add_weight(b, &kv_b);
    if (c->legacy_kv_b) {
        add_tensor(b, "attn_kv_b.weight", c->kv_lora, kv_rows, 1, SRC_COPY, &kv_b, false);
    } else {
        add_tensor(b, "attn_k_b.weight", c->d_nope, c->kv_lora, c->heads, SRC_K_B, &kv_b, false);
        add_tensor(b, "attn_v_b.weight", c->kv_lora, c->d_v, c->heads, SRC_V_B, &kv_b, false);
    }
    mirror(b, "self_attn.o_proj.weight", "attn_output.weight", c->dim, (uint64_t)c->heads * c->d_v, INIT_LINEAR);
    mirror(b, "post_attention_layernorm.weight", "ffn_norm.weight", 1, c->dim, INIT_NORM);
}

static void build_moe(builder *b)
{
    const gen_config *c = b->cfg;
    mirror(b, "mlp.gate.weight", "ffn_gate_inp.weight", c->experts, c->dim, INIT_GATE);
    if (c->exp_bias)
        mirror(b, "mlp.gate.e_score_correction_bias", "exp_probs_b.bias", 1, c->experts, INIT_BIAS);
    static const char *proj[3] = {"gate_proj", "up_proj", "down_proj"};
    static const char *stacked[3] = {"ffn_gate_exps.weight", "ffn_up_exps.weight", "ffn_down_exps.weight"};
    gen_weight first[3];
    for (uint32_t j = 0; j < c->experts; j++) {
        for (int p = 0; p < 3; p++) {
            char leaf[96];
            snprintf(leaf, sizeof leaf, "mlp.experts.%u.%s.weight", j, proj[p]);
            gen_weight w = p < 2 ? weight(b, leaf, c->ffn_exp, c->dim, INIT_LINEAR)
                                 : weight(b, leaf, c->dim, c->ffn_exp, INIT_LINEAR);
            add_weight(b, &w);
            if (j == 0)
                first[p] = w;
        }
    }
    for (int p = 0; p < 3; p++)
        add_tensor(b, stacked[p], first[p].cols, first[p].rows, c->experts, SRC_STACK, &first[p], false);
    if (c->experts_shared) {
        uint64_t width = (uint64_t)c->experts_shared * c->ffn_exp;
        mirror(b, "mlp.shared_experts.gate_proj.weight", "ffn_gate_shexp.weight", width, c->dim, INIT_LINEAR);
        mirror(b, "mlp.shared_experts.up_proj.weight", "ffn_up_shexp.weight", width, c->dim, INIT_LINEAR);
        mirror(b, "mlp.shared_experts.down_proj.weight", "ffn_down_shexp.weight", c->dim, width, INIT_LINEAR);
    }
}

/* The NextN/MTP block's own weights, as DeepSeek-V3 and GLM checkpoints name them and llama.cpp's converter maps
 * them (blk.N.nextn.*). */
static void build_nextn(builder *b)
{
    const gen_config *c = b->cfg;
    mirror(b, "embed_tokens.weight", "nextn.embed_tokens.weight", c->vocab, c->dim, INIT_EMBED);
    mirror(b, "enorm.weight", "nextn.enorm.weight", 1, c->dim, INIT_NORM);
    mirror(b, "hnorm.weight", "nextn.hnorm.weight", 1, c->dim, INIT_NORM);
    mirror(b, "eh_proj.weight", "nextn.eh_proj.weight", c->dim, 2 * (uint64_t)c->dim, INIT_LINEAR);
    mirror(b, "shared_head.norm.weight", "nextn.shared_head_norm.weight", 1, c->dim, INIT_NORM);
    mirror(b, "shared_head.head.weight", "nextn.shared_head_head.weight", c->vocab, c->dim, INIT_LINEAR);
}

void gen_model_build(const gen_config *cfg, gen_model *model)
{
    memset(model, 0, sizeof *model);
    builder b = {cfg, model, 0, 0, UINT32_MAX};
    mirror(&b, "model.embed_tokens.weight", "token_embd.weight", cfg->vocab, cfg->dim, INIT_EMBED);
    for (b.layer = 0; b.layer < cfg->layers + cfg->nextn; b.layer++) {
        build_attention(&b);
        if (b.layer < cfg->n_dense) {
            mirror(&b, "mlp.gate_proj.weight", "ffn_gate.weight", cfg->ffn, cfg->dim, INIT_LINEAR);
            mirror(&b, "mlp.up_proj.weight", "ffn_up.weight", cfg->ffn, cfg->dim, INIT_LINEAR);
            mirror(&b, "mlp.down_proj.weight", "ffn_down.weight", cfg->dim, cfg->ffn, INIT_LINEAR);
        } else {
            build_moe(&b);
        }
        if (b.layer >= cfg->layers)
            build_nextn(&b);
    }
    b.layer = UINT32_MAX;
    mirror(&b, "model.norm.weight", "output_norm.weight", 1, cfg->dim, INIT_NORM);
    if (!cfg->tied)
        mirror(&b, "lm_head.weight", "output.weight", cfg->vocab, cfg->dim, INIT_LINEAR);
}

void gen_model_free(gen_model *model)
{
    free(model->weights);
    free(model->tensors);
    memset(model, 0, sizeof *model);
}
