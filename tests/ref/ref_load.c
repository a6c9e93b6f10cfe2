#include "ref/ref_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref_dequant.h"

/* All elements of a tensor as doubles, in storage order (row-major over ggml dims, innermost first). */
static double *load(const model_files *files, const char *name)
{
    const tensor_source *src = tensor_sources_find(files->sources, name);
    if (!src) {
        fprintf(stderr, "reference: missing tensor %s\n", name);
        return NULL;
    }
    uint8_t *raw = malloc(src->n_bytes);
    double *out = malloc(src->n_elements * sizeof *out);
    uint32_t cols = (uint32_t)src->dims[0];
    uint64_t rows = src->n_elements / cols;
    size_t row_bytes = ref_row_bytes((ggml_type)src->type, cols);
    if (!raw || !out || tensor_source_read(src, raw, src->n_bytes) != MLAVK_OK) {
        fprintf(stderr, "reference: cannot read %s\n", name);
        free(raw);
        free(out);
        return NULL;
    }
    for (uint64_t r = 0; r < rows; r++)
        ref_dequant_row((ggml_type)src->type, raw + r * row_bytes, cols, out + r * cols);
    free(raw);
    return out;
}

static double *load_layer(const model_files *files, int layer, const char *suffix)
{
    char name[96];
    snprintf(name, sizeof name, "blk.%d.%s", layer, suffix);
    return load(files, name);
}

/* kv_b [H*(d_n+d_v)][r_kv] from attn_k_b (per head r_kv x d_n, i.e. W_UK_h^T) and attn_v_b (per head W_UV_h). */
static double *join_kv_b(const ref_config *c, const double *k_b, const double *v_b)
{
    const int H = c->n_heads, dn = c->qk_nope_dim, dv = c->v_dim, r = c->kv_lora_rank;
    double *kv_b = malloc((size_t)H * (dn + dv) * r * sizeof *kv_b);
    for (int h = 0; h < H; h++) {
        double *head = kv_b + (size_t)h * (dn + dv) * r;
        for (int i = 0; i < dn; i++)
            for (int j = 0; j < r; j++)
                head[(size_t)i * r + j] = k_b[((size_t)h * r + j) * dn + i];
        memcpy(head + (size_t)dn * r, v_b + (size_t)h * dv * r, (size_t)dv * r * sizeof *kv_b);
    }
    return kv_b;
}

static void config_from(const deepseek_config *d, ref_config *c)
{
    *c = (ref_config){
        .dim = (int)d->n_embd, .n_layers = (int)d->n_layer, .n_heads = (int)d->n_head, .vocab = (int)d->n_vocab,
        .q_lora_rank = (int)d->q_lora_rank, .kv_lora_rank = (int)d->kv_lora_rank,
        .qk_nope_dim = (int)d->qk_nope_head_dim, .qk_rope_dim = (int)d->qk_rope_head_dim, .v_dim = (int)d->v_head_dim,
        .n_experts = (int)d->n_expert, .n_experts_used = (int)d->n_expert_used, .n_shared = (int)d->n_expert_shared,
        .ffn_dim = (int)d->n_ff, .expert_ffn_dim = (int)d->n_ff_exp, .n_dense = (int)d->n_dense_lead,
        .n_groups = d->n_group ? (int)d->n_group : 1, .n_groups_used = d->n_group_used ? (int)d->n_group_used : 1,
        .sigmoid_scores = d->gating == DEEPSEEK_GATING_SIGMOID, .norm_topk = d->expert_weights_norm,
        .routed_scale = d->expert_weights_scale, .rms_eps = d->rms_norm_eps, .rope_theta = d->rope_freq_base,
        .yarn = d->rope_yarn && d->rope_scaling_factor > 1, .yarn_factor = d->rope_scaling_factor,
        .yarn_orig_ctx = d->rope_orig_ctx, .yarn_beta_fast = d->yarn_beta_fast, .yarn_beta_slow = d->yarn_beta_slow,
        .yarn_mscale = d->yarn_mscale, .yarn_mscale_all_dim = d->yarn_mscale_all_dim,
        .tied_embeddings = d->tied_embeddings, .temp_scale = d->attn_temp_scale, .temp_length = (int)d->attn_temp_length};
}

static bool load_block(const model_files *files, ref_model *m, int l)
{
    ref_layer *w = &m->layers[l];
    const ref_config *c = &m->c;
    w->attn_norm = load_layer(files, l, "attn_norm.weight");
    if (c->q_lora_rank) {
        w->wq_a = load_layer(files, l, "attn_q_a.weight");
        w->q_a_norm = load_layer(files, l, "attn_q_a_norm.weight");
        w->wq_b = load_layer(files, l, "attn_q_b.weight");
    } else {
        w->wq = load_layer(files, l, "attn_q.weight");
    }
    w->wkv_a = load_layer(files, l, "attn_kv_a_mqa.weight");
    w->kv_a_norm = load_layer(files, l, "attn_kv_a_norm.weight");
    if (files->kv_b_form == DEEPSEEK_KV_B_LEGACY) {
        w->wkv_b = load_layer(files, l, "attn_kv_b.weight");
    } else {
        double *k_b = load_layer(files, l, "attn_k_b.weight"), *v_b = load_layer(files, l, "attn_v_b.weight");
        w->wkv_b = k_b && v_b ? join_kv_b(c, k_b, v_b) : NULL;
        free(k_b);
        free(v_b);
    }
    w->wo = load_layer(files, l, "attn_output.weight");
    w->ffn_norm = load_layer(files, l, "ffn_norm.weight");
    if (l < c->n_dense) {
        w->gate = load_layer(files, l, "ffn_gate.weight");
        w->up = load_layer(files, l, "ffn_up.weight");
        w->down = load_layer(files, l, "ffn_down.weight");
        return w->attn_norm && w->wkv_b && w->wo && w->gate && w->up && w->down;
    }
    char bias[96];
    snprintf(bias, sizeof bias, "blk.%d.exp_probs_b.bias", l);
    if (tensor_sources_find(files->sources, bias))
        w->score_bias = load(files, bias);
    m->c.has_score_bias = w->score_bias != NULL;
    m->c.v2_group_max = w->score_bias == NULL;
    w->router = load_layer(files, l, "ffn_gate_inp.weight");
    w->exp_gate = load_layer(files, l, "ffn_gate_exps.weight");
    w->exp_up = load_layer(files, l, "ffn_up_exps.weight");
    w->exp_down = load_layer(files, l, "ffn_down_exps.weight");
    w->sh_gate = load_layer(files, l, "ffn_gate_shexp.weight");
    w->sh_up = load_layer(files, l, "ffn_up_shexp.weight");
    w->sh_down = load_layer(files, l, "ffn_down_shexp.weight");
    return w->attn_norm && w->wkv_b && w->wo && w->router && w->exp_gate && w->exp_up && w->exp_down &&
           w->sh_gate && w->sh_up && w->sh_down;
}

bool ref_model_load(const model_files *files, ref_model *m)
{
    memset(m, 0, sizeof *m);
    config_from(&files->config, &m->c);
    m->layers = calloc(m->c.n_layers, sizeof *m->layers);
    m->embed = load(files, "token_embd.weight");
    m->out_norm = load(files, "output_norm.weight");
    m->output = m->c.tied_embeddings ? NULL : load(files, "output.weight");
    bool ok = m->layers && m->embed && m->out_norm && (m->output || m->c.tied_embeddings);
    for (int l = 0; ok && l < m->c.n_layers; l++)
        ok = load_block(files, m, l);
    return ok;
}

void ref_model_free(ref_model *m)
{
    for (int l = 0; m->layers && l < m->c.n_layers; l++) {
        double **all = (double **)&m->layers[l];
        for (size_t i = 0; i < sizeof(ref_layer) / sizeof(double *); i++)
            free(all[i]);
    }
    free(m->layers);
    free(m->embed);
    free(m->out_norm);
    free(m->output);
    memset(m, 0, sizeof *m);
}
