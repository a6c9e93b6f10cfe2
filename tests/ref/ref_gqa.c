#include "ref/ref_gqa.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static void ref_rope(double *x, uint32_t d, uint32_t pos, const gqa_config *c, const float *factors)
{
    for (uint32_t i = 0; i < d / 2; i++) {
        double theta = pow(c->rope_freq_base, -2.0 * i / d) / (factors ? factors[i] : 1.0);
        double cs = cos(pos * theta), sn = sin(pos * theta), a = x[i], b = x[i + d / 2];
        x[i] = a * cs - b * sn;
        x[i + d / 2] = a * sn + b * cs;
    }
}

static double dot_f(const float *w, const double *x, uint32_t n)
{
    double s = 0.0;
    for (uint32_t i = 0; i < n; i++)
        s += w[i] * x[i];
    return s;
}

void ref_gqa_attention(const gqa_config *c, const gqa_layer *w, const float *rope_factors, const double *x,
                       uint32_t T, double *out)
{
    const uint32_t D = c->n_embd, H = c->n_head, KV = c->n_head_kv, d = c->head_dim;
    double *q = malloc(sizeof(double) * T * H * d), *k = malloc(sizeof(double) * T * KV * d);
    double *v = malloc(sizeof(double) * T * KV * d), *p = malloc(sizeof(double) * T);
    for (uint32_t t = 0; t < T; t++) {
        for (uint32_t r = 0; r < H * d; r++)
            q[t * H * d + r] = dot_f(w->wq + (size_t)r * D, x + (size_t)t * D, D) + (w->bq ? w->bq[r] : 0.0);
        for (uint32_t r = 0; r < KV * d; r++) {
            k[t * KV * d + r] = dot_f(w->wk + (size_t)r * D, x + (size_t)t * D, D) + (w->bk ? w->bk[r] : 0.0);
            v[t * KV * d + r] = dot_f(w->wv + (size_t)r * D, x + (size_t)t * D, D) + (w->bv ? w->bv[r] : 0.0);
        }
        for (uint32_t h = 0; h < H; h++)
            ref_rope(q + (t * H + h) * d, d, t, c, rope_factors);
        for (uint32_t g = 0; g < KV; g++)
            ref_rope(k + (t * KV + g) * d, d, t, c, rope_factors);
    }
    for (uint32_t t = 0; t < T; t++)
        for (uint32_t h = 0; h < H; h++) {
            uint32_t g = h / (H / KV);
            double max = -INFINITY, sum = 0.0;
            for (uint32_t s = 0; s <= t; s++) {
                double score = 0.0;
                for (uint32_t e = 0; e < d; e++)
                    score += q[(t * H + h) * d + e] * k[(s * KV + g) * d + e];
                p[s] = score / sqrt((double)d);
                max = fmax(max, p[s]);
            }
            for (uint32_t s = 0; s <= t; s++)
                sum += (p[s] = exp(p[s] - max));
            for (uint32_t e = 0; e < d; e++) {
                double o = 0.0;
                for (uint32_t s = 0; s <= t; s++)
                    o += p[s] / sum * v[(s * KV + g) * d + e];
                out[(t * H + h) * d + e] = o;
            }
        }
    free(q), free(k), free(v), free(p);
}

static void ref_norm(const double *x, const float *w, uint32_t n, double eps, double *y)
{
    double ss = 0.0;
    for (uint32_t i = 0; i < n; i++)
        ss += x[i] * x[i];
    double scale = 1.0 / sqrt(ss / n + eps);
    for (uint32_t i = 0; i < n; i++)
        y[i] = x[i] * scale * w[i];
}

void ref_gqa_forward(const gqa_model *m, const int32_t *tokens, uint32_t T, double *logits)
{
    const gqa_config *c = &m->config;
    const uint32_t D = c->n_embd, Hd = c->n_head * c->head_dim, F = c->n_ff;
    double *x = malloc(sizeof(double) * T * D), *h = malloc(sizeof(double) * T * D);
    double *att = malloc(sizeof(double) * T * Hd), *g = malloc(sizeof(double) * F);
    for (uint32_t t = 0; t < T; t++)
        for (uint32_t i = 0; i < D; i++)
            x[t * D + i] = m->token_embd[(size_t)tokens[t] * D + i];
    for (uint32_t l = 0; l < c->n_layer; l++) {
        const gqa_layer *w = &m->layers[l];
        for (uint32_t t = 0; t < T; t++)
            ref_norm(x + t * D, w->attn_norm, D, c->rms_norm_eps, h + t * D);
        ref_gqa_attention(c, w, m->rope_freq_factors, h, T, att);
        for (uint32_t t = 0; t < T; t++)
            for (uint32_t i = 0; i < D; i++)
                x[t * D + i] += dot_f(w->wo + (size_t)i * Hd, att + t * Hd, Hd);
        for (uint32_t t = 0; t < T; t++) {
            ref_norm(x + t * D, w->ffn_norm, D, c->rms_norm_eps, h + t * D);
            for (uint32_t f = 0; f < F; f++) {
                double gate = dot_f(w->ffn_gate + (size_t)f * D, h + t * D, D);
                g[f] = gate / (1.0 + exp(-gate)) * dot_f(w->ffn_up + (size_t)f * D, h + t * D, D);
            }
            for (uint32_t i = 0; i < D; i++)
                x[t * D + i] += dot_f(w->ffn_down + (size_t)i * F, g, F);
        }
    }
    const float *out = m->output ? m->output : m->token_embd;
    for (uint32_t t = 0; t < T; t++) {
        ref_norm(x + t * D, m->output_norm, D, c->rms_norm_eps, h + t * D);
        for (uint32_t v = 0; v < c->n_vocab; v++)
            logits[(size_t)t * c->n_vocab + v] = dot_f(out + (size_t)v * D, h + t * D, D);
    }
    free(x), free(h), free(att), free(g);
}

static float *random_tensor(test_rng *rng, size_t n, double scale, double center)
{
    float *t = malloc(n * sizeof *t);
    for (size_t i = 0; i < n; i++)
        t[i] = (float)(center + test_rng_uniform(rng, -scale, scale));
    return t;
}

gqa_model *ref_gqa_random(const gqa_config *c, test_rng *rng)
{
    gqa_model *m = calloc(1, sizeof *m);
    m->config = *c;
    snprintf(m->format, sizeof m->format, "memory");
    const uint32_t D = c->n_embd, Hd = c->n_head * c->head_dim, KVd = c->n_head_kv * c->head_dim, F = c->n_ff;
    const double wd = 1.7 / sqrt(D);
    m->token_embd = random_tensor(rng, (size_t)c->n_vocab * D, 1.0, 0.0);
    m->output_norm = random_tensor(rng, D, 0.2, 1.0);
    if (!c->tied_embeddings)
        m->output = random_tensor(rng, (size_t)c->n_vocab * D, wd, 0.0);
    m->layers = calloc(c->n_layer, sizeof *m->layers);
    for (uint32_t l = 0; l < c->n_layer; l++) {
        gqa_layer *w = &m->layers[l];
        w->attn_norm = random_tensor(rng, D, 0.2, 1.0);
        w->wq = random_tensor(rng, (size_t)Hd * D, wd, 0.0);
        w->wk = random_tensor(rng, (size_t)KVd * D, wd, 0.0);
        w->wv = random_tensor(rng, (size_t)KVd * D, wd, 0.0);
        if (c->qkv_bias) {
            w->bq = random_tensor(rng, Hd, 0.5, 0.0);
            w->bk = random_tensor(rng, KVd, 0.5, 0.0);
            w->bv = random_tensor(rng, KVd, 0.5, 0.0);
        }
        w->wo = random_tensor(rng, (size_t)D * Hd, 1.0 / sqrt(Hd), 0.0);
        w->ffn_norm = random_tensor(rng, D, 0.2, 1.0);
        w->ffn_gate = random_tensor(rng, (size_t)F * D, wd, 0.0);
        w->ffn_up = random_tensor(rng, (size_t)F * D, wd, 0.0);
        w->ffn_down = random_tensor(rng, (size_t)D * F, 1.0 / sqrt(F), 0.0);
    }
    return m;
}

void ref_gqa_free(gqa_model *m)
{
    if (!m)
        return;
    for (uint32_t l = 0; l < m->config.n_layer; l++) {
        gqa_layer *w = &m->layers[l];
        float *all[] = {w->attn_norm, w->wq, w->wk, w->wv, w->bq, w->bk, w->bv, w->wo, w->ffn_norm, w->ffn_gate,
                        w->ffn_up, w->ffn_down};
        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
            free(all[i]);
    }
    free(m->layers);
    free(m->token_embd);
    free(m->output_norm);
    free(m->output);
    free(m->rope_freq_factors);
    free(m);
}
