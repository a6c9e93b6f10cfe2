#include "ref/ref_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/half.h"

/* y[rows] = W[rows][cols] x[cols] */
static void matvec(const double *w, const double *x, double *y, int rows, int cols)
{
    for (int r = 0; r < rows; r++) {
        double sum = 0;
        for (int c = 0; c < cols; c++)
            sum += w[(size_t)r * cols + c] * x[c];
        y[r] = sum;
    }
}

static void rms_norm(const double *x, const double *w, double *y, int n, double eps)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += x[i] * x[i];
    double inv = 1.0 / sqrt(sum / n + eps);
    for (int i = 0; i < n; i++)
        y[i] = x[i] * inv * w[i];
}

static double silu(double x) { return x / (1.0 + exp(-x)); }

static double yarn_get_m(double factor, double mscale)
{
    return factor > 1 ? 0.1 * mscale * log(factor) + 1.0 : 1.0;
}

double ref_attention_scale(const ref_config *c)
{
    double scale = 1.0 / sqrt((double)(c->qk_nope_dim + c->qk_rope_dim));
    if (c->yarn && c->yarn_factor > 1) {
        double m = yarn_get_m(c->yarn_factor, c->yarn_mscale_all_dim);
        scale *= m * m;
    }
    return scale;
}

/* Rotates adjacent pairs (x[2i], x[2i+1]) by pos * f_i, with YaRN frequencies when configured. */
static void rope(const ref_config *c, double *x, int pos)
{
    const int d = c->qk_rope_dim;
    const double pi = 3.14159265358979323846;
    double low = 0, high = 0, magnitude = 1;
    if (c->yarn) {
        double corr_fast = d * log(c->yarn_orig_ctx / (c->yarn_beta_fast * 2 * pi)) / (2 * log(c->rope_theta));
        double corr_slow = d * log(c->yarn_orig_ctx / (c->yarn_beta_slow * 2 * pi)) / (2 * log(c->rope_theta));
        low = fmax(floor(corr_fast), 0);
        high = fmin(ceil(corr_slow), d - 1);
        if (high == low)
            high += 0.001;
        magnitude = yarn_get_m(c->yarn_factor, c->yarn_mscale) / yarn_get_m(c->yarn_factor, c->yarn_mscale_all_dim);
    }
    for (int i = 0; i < d / 2; i++) {
        double base = pow(c->rope_theta, -2.0 * i / d);
        double f = base;
        if (c->yarn) {
            double ramp = fmin(fmax((i - low) / (high - low), 0), 1);
            f = base / c->yarn_factor * ramp + base * (1 - ramp);
        }
        double angle = pos * f, cs = cos(angle) * magnitude, sn = sin(angle) * magnitude;
        double x0 = x[2 * i], x1 = x[2 * i + 1];
        x[2 * i] = x0 * cs - x1 * sn;
        x[2 * i + 1] = x0 * sn + x1 * cs;
    }
}

bool ref_state_init(ref_state *s, const ref_config *c, int capacity)
{
    memset(s, 0, sizeof *s);
    s->capacity = capacity;
    s->keys = calloc(c->n_layers, sizeof *s->keys);
    s->values = calloc(c->n_layers, sizeof *s->values);
    s->experts_chosen = calloc((size_t)c->n_layers * (c->n_experts_used + 1), sizeof *s->experts_chosen);
    if (!s->keys || !s->values || !s->experts_chosen)
        return false;
    for (int l = 0; l < c->n_layers; l++) {
        s->keys[l] = malloc((size_t)capacity * c->n_heads * (c->qk_nope_dim + c->qk_rope_dim) * sizeof(double));
        s->values[l] = malloc((size_t)capacity * c->n_heads * c->v_dim * sizeof(double));
        if (!s->keys[l] || !s->values[l])
            return false;
    }
    return true;
}

void ref_state_free(ref_state *s, const ref_config *c)
{
    for (int l = 0; s->keys && l < c->n_layers; l++) {
        free(s->keys[l]);
        free(s->values[l]);
    }
    free(s->keys);
    free(s->values);
    free(s->experts_chosen);
    memset(s, 0, sizeof *s);
}

/* Naive MLA: expand per-head K and V from the latent, attend over all positions so far. */
static void attention(const ref_model *m, const ref_layer *w, ref_state *s, int layer, const double *x, double *out)
{
    const ref_config *c = &m->c;
    const int H = c->n_heads, dn = c->qk_nope_dim, dr = c->qk_rope_dim, dq = dn + dr, dv = c->v_dim;
    const int rkv = c->kv_lora_rank, pos = s->pos;
    double *q = malloc((size_t)H * dq * sizeof *q);
    double *kv = malloc((size_t)(rkv + dr) * sizeof *kv);
    double *latent = malloc((size_t)rkv * sizeof *latent);
    double *o = malloc((size_t)H * dv * sizeof *o);
    double *scores = malloc((size_t)(pos + 1) * sizeof *scores);
    if (c->q_lora_rank > 0) {
        double *cq = malloc((size_t)c->q_lora_rank * sizeof *cq);
        matvec(w->wq_a, x, cq, c->q_lora_rank, c->dim);
        rms_norm(cq, w->q_a_norm, cq, c->q_lora_rank, c->rms_eps);
        matvec(w->wq_b, cq, q, H * dq, c->q_lora_rank);
        free(cq);
    } else {
        matvec(w->wq, x, q, H * dq, c->dim);
    }
    matvec(w->wkv_a, x, kv, rkv + dr, c->dim);
    rms_norm(kv, w->kv_a_norm, latent, rkv, c->rms_eps);
    rope(c, kv + rkv, pos);
    if (s->f16_cache) {
        for (int i = 0; i < rkv; i++)
            latent[i] = mlavk_f16_to_f32(mlavk_f32_to_f16((float)latent[i]));
        for (int i = 0; i < dr; i++)
            kv[rkv + i] = mlavk_f16_to_f32(mlavk_f32_to_f16((float)kv[rkv + i]));
    }

    double *keys = s->keys[layer] + (size_t)pos * H * dq, *values = s->values[layer] + (size_t)pos * H * dv;
    /* attention temperature (Mistral Large 3): the whole query times log(floor(p / n) + 1) * s + 1 */
    double temperature = c->temp_scale != 0 ? log(floor((double)pos / c->temp_length) + 1) * c->temp_scale + 1 : 1;
    for (int h = 0; h < H; h++) {
        rope(c, q + h * dq + dn, pos);
        for (int i = 0; i < dq; i++)
            q[h * dq + i] *= temperature;
        const double *w_uk = w->wkv_b + (size_t)h * (dn + dv) * rkv, *w_uv = w_uk + (size_t)dn * rkv;
        matvec(w_uk, latent, keys + h * dq, dn, rkv);
        memcpy(keys + h * dq + dn, kv + rkv, dr * sizeof(double));
        matvec(w_uv, latent, values + h * dv, dv, rkv);
    }
    const double scale = ref_attention_scale(c);
    for (int h = 0; h < H; h++) {
        double max = -INFINITY, total = 0;
        for (int t = 0; t <= pos; t++) {
            const double *k = s->keys[layer] + ((size_t)t * H + h) * dq;
            double dot = 0;
            for (int i = 0; i < dq; i++)
                dot += q[h * dq + i] * k[i];
            scores[t] = scale * dot;
            max = fmax(max, scores[t]);
        }
        for (int t = 0; t <= pos; t++)
            total += scores[t] = exp(scores[t] - max);
        for (int i = 0; i < dv; i++) {
            double sum = 0;
            for (int t = 0; t <= pos; t++)
                sum += scores[t] / total * s->values[layer][((size_t)t * H + h) * dv + i];
            o[h * dv + i] = sum;
        }
    }
    matvec(w->wo, o, out, c->dim, H * dv);
    free(q);
    free(kv);
    free(latent);
    free(o);
    free(scores);
}

/* out = W_down (silu(W_gate x) * W_up x) */
static void swiglu(const double *gate, const double *up, const double *down, const double *x, double *out, int dim,
                   int hidden)
{
    double *g = malloc((size_t)hidden * sizeof *g), *u = malloc((size_t)hidden * sizeof *u);
    matvec(gate, x, g, hidden, dim);
    matvec(up, x, u, hidden, dim);
    for (int i = 0; i < hidden; i++)
        g[i] = silu(g[i]) * u[i];
    matvec(down, g, out, dim, hidden);
    free(g);
    free(u);
}

/* Index of the largest value among allowed entries; ties go to the lower index. */
static int best_index(const double *v, const bool *allowed, int n)
{
    int best = -1;
    for (int i = 0; i < n; i++)
        if (allowed[i] && (best < 0 || v[i] > v[best]))
            best = i;
    return best;
}

static void exclude_groups(const ref_config *c, const double *s, const double *s_sel, bool *allowed)
{
    const int E = c->n_experts, G = c->n_groups, per = E / G;
    double group_score[64];
    bool group_open[64];
    for (int g = 0; g < G; g++) {
        double first = -INFINITY, second = -INFINITY;
        for (int e = g * per; e < (g + 1) * per; e++) {
            double v = c->v2_group_max ? s[e] : s_sel[e];
            if (v > first) {
                second = first;
                first = v;
            } else if (v > second) {
                second = v;
            }
        }
        group_score[g] = c->v2_group_max ? first : first + second;
        group_open[g] = true;
    }
    bool kept[64] = {false};
    for (int i = 0; i < c->n_groups_used; i++) {
        int g = best_index(group_score, group_open, G);
        kept[g] = true;
        group_open[g] = false;
    }
    for (int e = 0; e < E; e++)
        allowed[e] = kept[e / per];
}

static void moe(const ref_model *m, const ref_layer *w, ref_state *s, int layer, const double *x, double *out)
{
    const ref_config *c = &m->c;
    const int E = c->n_experts, D = c->dim, Fe = c->expert_ffn_dim, k = c->n_experts_used;
    double *z = malloc(E * sizeof *z), *sc = malloc(E * sizeof *sc), *sel = malloc(E * sizeof *sel);
    double *y = malloc(D * sizeof *y);
    bool *allowed = malloc(E * sizeof *allowed);
    matvec(w->router, x, z, E, D);
    double max = -INFINITY, total = 0;
    for (int e = 0; e < E; e++)
        max = fmax(max, z[e]);
    for (int e = 0; e < E; e++)
        total += sc[e] = c->sigmoid_scores ? 1.0 / (1.0 + exp(-z[e])) : exp(z[e] - max);
    for (int e = 0; e < E; e++) {
        if (!c->sigmoid_scores)
            sc[e] /= total;
        sel[e] = sc[e] + (w->score_bias ? w->score_bias[e] : 0);
        allowed[e] = true;
    }
    if (c->n_groups > 1)
        exclude_groups(c, sc, sel, allowed);
    int idx[64];
    double weight[64], weight_sum = 0;
    for (int j = 0; j < k; j++) {
        idx[j] = best_index(sel, allowed, E);
        allowed[idx[j]] = false;
        int runner_up = best_index(sel, allowed, E);
        if (j == k - 1 && runner_up >= 0)
            s->routing_margin = fmin(s->routing_margin, sel[idx[j]] - sel[runner_up]);
        weight_sum += weight[j] = sc[idx[j]];
        s->experts_chosen[layer * (k + 1) + j] = idx[j];
    }
    swiglu(w->sh_gate, w->sh_up, w->sh_down, x, out, D, c->n_shared * Fe);
    for (int j = 0; j < k; j++) {
        double wj = (c->norm_topk ? weight[j] / weight_sum : weight[j]) * c->routed_scale;
        size_t e = (size_t)idx[j];
        swiglu(w->exp_gate + e * Fe * D, w->exp_up + e * Fe * D, w->exp_down + e * D * Fe, x, y, D, Fe);
        for (int i = 0; i < D; i++)
            out[i] += wj * y[i];
    }
    free(z);
    free(sc);
    free(sel);
    free(y);
    free(allowed);
}

void ref_forward(const ref_model *m, ref_state *s, int token, double *logits)
{
    const ref_config *c = &m->c;
    const int D = c->dim;
    double *x = malloc(D * sizeof *x), *h = malloc(D * sizeof *h), *t = malloc(D * sizeof *t);
    memcpy(x, m->embed + (size_t)token * D, D * sizeof *x);
    s->routing_margin = INFINITY;
    for (int l = 0; l < c->n_layers; l++) {
        const ref_layer *w = &m->layers[l];
        rms_norm(x, w->attn_norm, h, D, c->rms_eps);
        attention(m, w, s, l, h, t);
        for (int i = 0; i < D; i++)
            x[i] += t[i];
        rms_norm(x, w->ffn_norm, h, D, c->rms_eps);
        if (l < c->n_dense)
            swiglu(w->gate, w->up, w->down, h, t, D, c->ffn_dim);
        else
            moe(m, w, s, l, h, t);
        for (int i = 0; i < D; i++)
            x[i] += t[i];
    }
    rms_norm(x, m->out_norm, h, D, c->rms_eps);
    matvec(c->tied_embeddings ? m->embed : m->output, h, logits, c->vocab, D);
    s->pos++;
    free(x);
    free(h);
    free(t);
}
