/* Calibration: a CPU forward of the GQA model (float weights, sums in double) over windows of calibration tokens,
 * collecting per layer the second moment of the k and v projection outputs before RoPE (biases included); and a
 * forward of the partial-RoPE model (every layer merged and RoRoPE'd) over those windows: its perplexity (for
 * --freqfold auto) and the moments of its latents (what balancing and the joint PCA read, as in the reference
 * converter's second calibration). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "convert/transmla.h"
#include "util/status.h"

/* y[r] = W[r] . x + (b ? b[r] : 0) for r < rows. */
static void linear(const float *w, const float *b, const float *x, uint32_t rows, uint32_t cols, float *y)
{
    for (uint32_t r = 0; r < rows; r++) {
        double sum = b ? b[r] : 0.0;
        const float *row = w + (size_t)r * cols;
        for (uint32_t c = 0; c < cols; c++)
            sum += (double)row[c] * x[c];
        y[r] = (float)sum;
    }
}

static void rms_norm(const float *x, const float *weight, uint32_t n, float eps, float *y)
{
    double sum = 0.0;
    for (uint32_t i = 0; i < n; i++)
        sum += (double)x[i] * x[i];
    double scale = 1.0 / sqrt(sum / n + eps);
    for (uint32_t i = 0; i < n; i++)
        y[i] = (float)(x[i] * scale * weight[i]);
}

/* Rotate-half RoPE of `heads` heads of d values at position pos. */
static void rope(float *x, uint32_t heads, uint32_t d, uint32_t pos, const double *freq)
{
    for (uint32_t h = 0; h < heads; h++)
        for (uint32_t i = 0; i < d / 2; i++) {
            double angle = pos * freq[i], c = cos(angle), s = sin(angle);
            float *a = x + (size_t)h * d + i, *b = a + d / 2;
            double x0 = *a, x1 = *b;
            *a = (float)(x0 * c - x1 * s);
            *b = (float)(x0 * s + x1 * c);
        }
}

typedef struct window_state {
    const gqa_model *m;
    uint32_t T;                 /* tokens in the window */
    double *freq;               /* [d/2] */
    float *h, *q, *k, *v, *att, *scores, *gate, *up; /* per-window scratch */
    double *lat, *u, *acc;      /* latent form: [T][n_lat], [T][H][n_lat], [n_lat] (perplexity only) */
    double *latent_moment;      /* when not NULL: sum c c^T of the latent before RoPE is added here */
} window_state;

/* The layer's attention over the window's hidden states x [T][D] (updated in place), adding the k/v moment. */
static void attention(window_state *s, const gqa_layer *w, float *x, double *moment)
{
    const gqa_config *c = &s->m->config;
    const uint32_t D = c->n_embd, H = c->n_head, d = c->head_dim, L = c->n_head_kv * d, T = s->T, n = 2 * L;
    const uint32_t group = H / c->n_head_kv;
    for (uint32_t t = 0; t < T; t++) {
        float *h = s->h, *k = s->k + (size_t)t * L, *v = s->v + (size_t)t * L;
        rms_norm(x + (size_t)t * D, w->attn_norm, D, c->rms_norm_eps, h);
        linear(w->wq, w->bq, h, H * d, D, s->q + (size_t)t * H * d);
        linear(w->wk, w->bk, h, L, D, k);
        linear(w->wv, w->bv, h, L, D, v);
        for (uint32_t i = 0; i < n; i++) { /* lower triangle; mirrored by the caller */
            double zi = i < L ? k[i] : v[i - L];
            for (uint32_t j = 0; j <= i; j++)
                moment[(size_t)i * n + j] += zi * (j < L ? k[j] : v[j - L]);
        }
        rope(s->q + (size_t)t * H * d, H, d, t, s->freq);
        rope(k, c->n_head_kv, d, t, s->freq);
    }
    for (uint32_t t = 0; t < T; t++)
        for (uint32_t hd = 0; hd < H; hd++) {
            const float *q = s->q + ((size_t)t * H + hd) * d;
            const uint32_t g = hd / group;
            double max = -INFINITY, total = 0.0;
            for (uint32_t u = 0; u <= t; u++) {
                double dot = 0.0;
                for (uint32_t e = 0; e < d; e++)
                    dot += (double)q[e] * s->k[(size_t)u * L + g * d + e];
                s->scores[u] = (float)(dot / sqrt(d));
                max = fmax(max, s->scores[u]);
            }
            float *out = s->att + ((size_t)t * H + hd) * d;
            memset(out, 0, d * sizeof *out);
            for (uint32_t u = 0; u <= t; u++)
                total += exp(s->scores[u] - max);
            for (uint32_t u = 0; u <= t; u++) {
                float p = (float)(exp(s->scores[u] - max) / total);
                for (uint32_t e = 0; e < d; e++)
                    out[e] += p * s->v[(size_t)u * L + g * d + e];
            }
        }
    for (uint32_t t = 0; t < T; t++) {
        linear(w->wo, NULL, s->att + (size_t)t * H * d, D, H * d, s->h);
        for (uint32_t i = 0; i < D; i++)
            x[(size_t)t * D + i] += s->h[i];
    }
}

static void feed_forward(window_state *s, const gqa_layer *w, float *x)
{
    const gqa_config *c = &s->m->config;
    const uint32_t D = c->n_embd, F = c->n_ff;
    for (uint32_t t = 0; t < s->T; t++) {
        float *xt = x + (size_t)t * D;
        rms_norm(xt, w->ffn_norm, D, c->rms_norm_eps, s->h);
        linear(w->ffn_gate, NULL, s->h, F, D, s->gate);
        linear(w->ffn_up, NULL, s->h, F, D, s->up);
        for (uint32_t i = 0; i < F; i++)
            s->gate[i] = s->gate[i] / (1.0f + expf(-s->gate[i])) * s->up[i];
        linear(w->ffn_down, NULL, s->gate, D, F, s->h);
        for (uint32_t i = 0; i < D; i++)
            xt[i] += s->h[i];
    }
}

static mlavk_status embed(const gqa_model *m, const int32_t *tokens, size_t n, float *x)
{
    const uint32_t D = m->config.n_embd;
    for (size_t t = 0; t < n; t++) {
        if (tokens[t] < 0 || (uint32_t)tokens[t] >= m->config.n_vocab)
            return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "transmla: calibration token %d outside the vocabulary "
                              "of %u", tokens[t], m->config.n_vocab);
        memcpy(x + t * D, m->token_embd + (size_t)tokens[t] * D, D * sizeof *x);
    }
    return MLAVK_OK;
}

/* Turns rows a, b of v by the pair's angle at position pos. */
static void rope_pairs(const transmla_attention *a, double *v, uint32_t pos)
{
    for (uint32_t p = 0; p < a->n_pairs; p++) {
        double angle = pos * a->pair_freq[p], c = cos(angle), sn = sin(angle);
        double x0 = v[a->pair_a[p]], x1 = v[a->pair_b[p]];
        v[a->pair_a[p]] = x0 * c - x1 * sn;
        v[a->pair_b[p]] = x0 * sn + x1 * c;
    }
}

/* The layer's attention computed from its latent form a (transmla.h) over the window x [T][D], in place. */
static void latent_attention(window_state *s, const gqa_layer *w, const transmla_attention *a, float *x)
{
    const gqa_config *c = &s->m->config;
    const uint32_t D = c->n_embd, H = c->n_head, d = c->head_dim, n = a->n_lat, T = s->T;
    for (uint32_t t = 0; t < T; t++) {
        rms_norm(x + (size_t)t * D, w->attn_norm, D, c->rms_norm_eps, s->h);
        double *lat = s->lat + (size_t)t * n;
        for (uint32_t i = 0; i < n; i++) {
            double sum = a->b_lat ? a->b_lat[i] : 0.0;
            for (uint32_t j = 0; j < D; j++)
                sum += a->w_lat[(size_t)i * D + j] * s->h[j];
            lat[i] = sum;
        }
        for (uint32_t i = 0; s->latent_moment && i < n; i++) /* lower triangle; mirrored by the caller */
            for (uint32_t j = 0; j <= i; j++)
                s->latent_moment[(size_t)i * n + j] += lat[i] * lat[j];
        rope_pairs(a, lat, t);
        for (uint32_t hd = 0; hd < H; hd++) {
            double *u = s->u + ((size_t)t * H + hd) * n;
            memset(u, 0, n * sizeof *u);
            for (uint32_t e = 0; e < d; e++) {
                double q = a->bq ? a->bq[hd * d + e] : 0.0;
                for (uint32_t j = 0; j < D; j++)
                    q += a->wq[((size_t)hd * d + e) * D + j] * s->h[j];
                const double *up = a->k_up + ((size_t)hd * d + e) * n;
                for (uint32_t i = 0; i < n; i++)
                    u[i] += up[i] * q;
            }
            rope_pairs(a, u, t);
        }
    }
    for (uint32_t t = 0; t < T; t++)
        for (uint32_t hd = 0; hd < H; hd++) {
            const double *u = s->u + ((size_t)t * H + hd) * n;
            double max = -INFINITY, total = 0.0;
            for (uint32_t j = 0; j <= t; j++) {
                double dot = 0.0;
                for (uint32_t i = 0; i < n; i++)
                    dot += u[i] * s->lat[(size_t)j * n + i];
                s->scores[j] = (float)(dot * a->score_scale);
                max = fmax(max, s->scores[j]);
            }
            for (uint32_t j = 0; j <= t; j++)
                total += exp(s->scores[j] - max);
            memset(s->acc, 0, n * sizeof *s->acc);
            for (uint32_t j = 0; j <= t; j++) {
                double p = exp(s->scores[j] - max) / total;
                for (uint32_t i = 0; i < n; i++)
                    s->acc[i] += p * s->lat[(size_t)j * n + i];
            }
            for (uint32_t e = 0; e < d; e++) {
                double o = 0.0;
                for (uint32_t i = 0; i < n; i++)
                    o += a->v_up[((size_t)hd * d + e) * n + i] * s->acc[i];
                s->att[((size_t)t * H + hd) * d + e] = (float)o;
            }
        }
    for (uint32_t t = 0; t < T; t++) {
        linear(w->wo, NULL, s->att + (size_t)t * H * d, D, H * d, s->h);
        for (uint32_t i = 0; i < D; i++)
            x[(size_t)t * D + i] += s->h[i];
    }
}

static mlavk_status state_alloc(window_state *s, bool latent)
{
    const gqa_config *c = &s->m->config;
    const uint32_t D = c->n_embd, H = c->n_head, d = c->head_dim, L = c->n_head_kv * d, T = s->T, n = 2 * L;
    s->freq = malloc(d / 2 * sizeof *s->freq);
    s->h = malloc((D > c->n_ff ? D : c->n_ff) * sizeof *s->h);
    s->q = malloc((size_t)T * H * d * sizeof *s->q);
    s->att = malloc((size_t)T * H * d * sizeof *s->att);
    s->k = malloc((size_t)T * L * sizeof *s->k);
    s->v = malloc((size_t)T * L * sizeof *s->v);
    s->scores = malloc(T * sizeof *s->scores);
    s->gate = malloc(c->n_ff * sizeof *s->gate);
    s->up = malloc(c->n_ff * sizeof *s->up);
    if (latent) {
        s->lat = malloc((size_t)T * n * sizeof *s->lat);
        s->u = malloc((size_t)T * H * n * sizeof *s->u);
        s->acc = malloc(n * sizeof *s->acc);
    }
    if (!s->freq || !s->h || !s->q || !s->att || !s->k || !s->v || !s->scores || !s->gate || !s->up ||
        (latent && (!s->lat || !s->u || !s->acc)))
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "transmla: out of memory for a window of %u tokens", T);
    for (uint32_t i = 0; i < d / 2; i++)
        s->freq[i] = pow(c->rope_freq_base, -2.0 * i / d) /
                     (s->m->rope_freq_factors ? s->m->rope_freq_factors[i] : 1.0);
    return MLAVK_OK;
}

static void state_free(window_state *s)
{
    free(s->freq), free(s->h), free(s->q), free(s->att), free(s->k), free(s->v), free(s->scores), free(s->gate),
        free(s->up), free(s->lat), free(s->u), free(s->acc);
}

/* exp(mean next-token negative log-likelihood) over the windows x [windows][T][D] after the last layer. */
static double window_perplexity(window_state *s, const float *x, const int32_t *tokens, uint32_t windows)
{
    const gqa_model *m = s->m;
    const uint32_t D = m->config.n_embd, V = m->config.n_vocab, T = s->T;
    const float *out = m->output ? m->output : m->token_embd;
    double nll = 0.0;
    for (uint32_t w = 0; w < windows; w++)
        for (uint32_t t = 0; t + 1 < T; t++) {
            rms_norm(x + ((size_t)w * T + t) * D, m->output_norm, D, m->config.rms_norm_eps, s->h);
            double max = -INFINITY, total = 0.0, target = 0.0;
            for (uint32_t v = 0; v < V; v++) {
                double logit = 0.0;
                for (uint32_t j = 0; j < D; j++)
                    logit += (double)out[(size_t)v * D + j] * s->h[j];
                if (logit > max) {
                    total = total * exp(max - logit) + 1.0;
                    max = logit;
                } else {
                    total += exp(logit - max);
                }
                if ((int32_t)v == tokens[(size_t)w * T + t + 1])
                    target = logit;
            }
            nll += max + log(total) - target;
        }
    return exp(nll / ((double)windows * (T - 1)));
}

mlavk_status transmla_partial_rope_pass(const gqa_model *m, const transmla_plan *plan,
                                       const transmla_options *options, const double *moments, uint32_t windows,
                                       double *perplexity, double *latent_moments)
{
    const gqa_config *c = &m->config;
    const uint32_t D = c->n_embd, T = plan->calib_window, L = c->n_head_kv * c->head_dim;
    window_state s = {.m = m, .T = T};
    float *x = malloc((size_t)windows * T * D * sizeof *x);
    mlavk_status status = x ? state_alloc(&s, true) : mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "transmla: out of "
                                                                 "memory");
    if (status == MLAVK_OK)
        status = embed(m, options->calib, (size_t)windows * T, x);
    for (uint32_t l = 0; status == MLAVK_OK && l < c->n_layer; l++) {
        transmla_attention a;
        status = transmla_merge(c, &m->layers[l], m->rope_freq_factors, moments + (size_t)l * 4 * L * L, &a);
        if (status == MLAVK_OK)
            status = transmla_rorope(&a, c->n_head_kv, plan->rope_dim, plan->freqfold);
        const size_t n = 2 * L;
        s.latent_moment = latent_moments ? latent_moments + (size_t)l * n * n : NULL;
        for (uint32_t w = 0; status == MLAVK_OK && w < windows; w++) {
            latent_attention(&s, &m->layers[l], &a, x + (size_t)w * T * D);
            feed_forward(&s, &m->layers[l], x + (size_t)w * T * D);
        }
        for (size_t i = 0; s.latent_moment && i < n; i++)
            for (size_t j = 0; j < i; j++)
                s.latent_moment[j * n + i] = s.latent_moment[i * n + j];
        transmla_attention_free(&a);
        if (options->progress && status == MLAVK_OK)
            options->progress(latent_moments ? "recalibrating" : "perplexity", l + 1, c->n_layer,
                              options->progress_user);
    }
    if (status == MLAVK_OK)
        *perplexity = window_perplexity(&s, x, options->calib, windows);
    state_free(&s);
    free(x);
    return status;
}

mlavk_status transmla_calibrate(const gqa_model *m, const transmla_plan *plan, const transmla_options *options,
                                double **moments)
{
    const gqa_config *c = &m->config;
    const uint32_t D = c->n_embd, L = c->n_head_kv * c->head_dim, n = 2 * L, T = plan->calib_window;
    const size_t tokens = (size_t)T * plan->calib_windows, per_layer = (size_t)n * n;
    window_state s = {.m = m, .T = T};
    *moments = calloc(per_layer * c->n_layer, sizeof **moments);
    float *x = malloc(tokens * D * sizeof *x);
    mlavk_status status = *moments && x ? state_alloc(&s, false)
                                        : mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "transmla: out of memory for "
                                                     "calibration over %zu tokens", tokens);
    if (status == MLAVK_OK)
        status = embed(m, options->calib, tokens, x);
    if (options->progress && status == MLAVK_OK)
        options->progress("calibrating", 0, c->n_layer, options->progress_user);
    for (uint32_t l = 0; status == MLAVK_OK && l < c->n_layer; l++) {
        double *moment = *moments + l * per_layer;
        for (uint32_t w = 0; w < plan->calib_windows; w++) {
            attention(&s, &m->layers[l], x + (size_t)w * T * D, moment);
            feed_forward(&s, &m->layers[l], x + (size_t)w * T * D);
        }
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t j = 0; j < i; j++)
                moment[(size_t)j * n + i] = moment[(size_t)i * n + j];
        if (options->progress)
            options->progress("calibrating", l + 1, c->n_layer, options->progress_user);
    }
    free(x);
    state_free(&s);
    if (status != MLAVK_OK) {
        free(*moments);
        *moments = NULL;
    }
    return status;
}
