/* The TransMLA steps on one layer's attention in latent form (transmla.h). */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "convert/transmla.h"
#include "util/status.h"

void transmla_attention_free(transmla_attention *a)
{
    free(a->pair_a);
    free(a->pair_b);
    free(a->pair_freq);
    free(a->w_lat);
    free(a->b_lat);
    free(a->k_up);
    free(a->v_up);
    free(a->wq);
    free(a->bq);
    free(a->moment);
    memset(a, 0, sizeof *a);
}

static mlavk_status oom(void) { return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "transmla: out of memory"); }

static mlavk_status set_pairs(transmla_attention *a, uint32_t n_pairs)
{
    free(a->pair_a);
    free(a->pair_b);
    free(a->pair_freq);
    a->n_pairs = n_pairs;
    a->pair_a = calloc(n_pairs + 1, sizeof *a->pair_a);
    a->pair_b = calloc(n_pairs + 1, sizeof *a->pair_b);
    a->pair_freq = calloc(n_pairs + 1, sizeof *a->pair_freq);
    return a->pair_a && a->pair_b && a->pair_freq ? MLAVK_OK : oom();
}

static double *to_double(const float *src, size_t n)
{
    double *d = malloc((n ? n : 1) * sizeof *d);
    for (size_t i = 0; d && i < n; i++)
        d[i] = src[i];
    return d;
}

/* moment = W W^T + b b^T: the second moment of W x + b for white-noise x. */
static void weight_moment(const double *w, const double *b, uint32_t rows, uint32_t cols, double *moment)
{
    for (uint32_t i = 0; i < rows; i++)
        for (uint32_t j = 0; j <= i; j++) {
            double sum = b ? b[i] * b[j] : 0.0;
            for (uint32_t k = 0; k < cols; k++)
                sum += w[(size_t)i * cols + k] * w[(size_t)j * cols + k];
            moment[(size_t)i * rows + j] = moment[(size_t)j * rows + i] = sum;
        }
}

mlavk_status transmla_merge(const gqa_config *c, const gqa_layer *layer, const float *rope_factors,
                            const double *moment, transmla_attention *a)
{
    memset(a, 0, sizeof *a);
    const uint32_t D = c->n_embd, H = c->n_head, d = c->head_dim, L = c->n_head_kv * d, n = 2 * L;
    const uint32_t group = H / c->n_head_kv;
    *a = (transmla_attention){.n_embd = D, .n_head = H, .head_dim = d, .n_lat = n, .score_scale = 1.0 / sqrt(d)};
    a->w_lat = malloc((size_t)n * D * sizeof *a->w_lat);
    a->k_up = calloc((size_t)H * d * n, sizeof *a->k_up);
    a->v_up = calloc((size_t)H * d * n, sizeof *a->v_up);
    a->wq = to_double(layer->wq, (size_t)H * d * D);
    a->moment = malloc((size_t)n * n * sizeof *a->moment);
    bool bias = layer->bk && layer->bv && layer->bq;
    if (bias) {
        a->b_lat = malloc(n * sizeof *a->b_lat);
        a->bq = to_double(layer->bq, (size_t)H * d);
    }
    if (!a->w_lat || !a->k_up || !a->v_up || !a->wq || !a->moment || (bias && (!a->b_lat || !a->bq)) ||
        set_pairs(a, L / 2) != MLAVK_OK) {
        transmla_attention_free(a);
        return oom();
    }
    for (size_t i = 0; i < (size_t)L * D; i++) {
        a->w_lat[i] = layer->wk[i];
        a->w_lat[(size_t)L * D + i] = layer->wv[i];
    }
    for (uint32_t i = 0; bias && i < L; i++) {
        a->b_lat[i] = layer->bk[i];
        a->b_lat[L + i] = layer->bv[i];
    }
    for (uint32_t h = 0; h < H; h++)
        for (uint32_t e = 0; e < d; e++) {
            uint32_t g = h / group;
            a->k_up[((size_t)h * d + e) * n + g * d + e] = 1.0;
            a->v_up[((size_t)h * d + e) * n + L + g * d + e] = 1.0;
        }
    /* rotate-half pairs (i, i + d/2) of every KV head, frequency theta_i = base^(-2i/d) / factor_i */
    for (uint32_t g = 0; g < c->n_head_kv; g++)
        for (uint32_t i = 0; i < d / 2; i++) {
            uint32_t p = g * d / 2 + i;
            a->pair_a[p] = g * d + i;
            a->pair_b[p] = g * d + i + d / 2;
            a->pair_freq[p] = pow(c->rope_freq_base, -2.0 * i / d) / (rope_factors ? rope_factors[i] : 1.0);
        }
    if (moment)
        memcpy(a->moment, moment, (size_t)n * n * sizeof *a->moment);
    else
        weight_moment(a->w_lat, a->b_lat, n, D, a->moment);
    return MLAVK_OK;
}

mlavk_status transmla_pca_basis(const double *moment, uint32_t n, double *vectors)
{
    double *values = malloc(n * sizeof *values), *work = malloc((size_t)n * n * sizeof *work);
    if (!values || !work) {
        free(values);
        free(work);
        return oom();
    }
    double damp = 0.0;
    for (uint32_t i = 0; i < n; i++)
        damp += moment[(size_t)i * n + i];
    damp = 0.01 * damp / n;
    memcpy(work, moment, (size_t)n * n * sizeof *work);
    for (uint32_t i = 0; i < n; i++)
        work[(size_t)i * n + i] += damp;
    lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)n, work, (lapack_int)n, values);
    /* ascending from LAPACK: reverse the columns */
    for (uint32_t i = 0; info == 0 && i < n; i++)
        for (uint32_t j = 0; j < n; j++)
            vectors[(size_t)i * n + j] = work[(size_t)i * n + (n - 1 - j)];
    free(values);
    free(work);
    return info == 0 ? MLAVK_OK
                     : mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "transmla: eigen-decomposition failed (LAPACK info %d)",
                                  (int)info);
}

/* The latent becomes c' = T c (T: [n_new][n_lat]); the up-projections become up Q (Q: [n_lat][n_new]) with
 * Q T = identity on the latent's span (Q = T^T for orthonormal rows, T^-1 for a scaling). */
static mlavk_status transform(transmla_attention *a, const double *T, const double *Q, uint32_t n_new)
{
    const uint32_t n = a->n_lat, D = a->n_embd, rows = a->n_head * a->head_dim;
    double *w = calloc((size_t)n_new * D, sizeof *w), *b = a->b_lat ? calloc(n_new, sizeof *b) : NULL;
    double *k_up = calloc((size_t)rows * n_new, sizeof *k_up), *v_up = calloc((size_t)rows * n_new, sizeof *v_up);
    double *tm = calloc((size_t)n_new * n, sizeof *tm), *moment = calloc((size_t)n_new * n_new, sizeof *moment);
    if (!w || (a->b_lat && !b) || !k_up || !v_up || !tm || !moment) {
        free(w), free(b), free(k_up), free(v_up), free(tm), free(moment);
        return oom();
    }
    for (uint32_t i = 0; i < n_new; i++)
        for (uint32_t k = 0; k < n; k++) {
            double t = T[(size_t)i * n + k];
            if (t == 0.0)
                continue;
            for (uint32_t j = 0; j < D; j++)
                w[(size_t)i * D + j] += t * a->w_lat[(size_t)k * D + j];
            if (b)
                b[i] += t * a->b_lat[k];
            for (uint32_t j = 0; j < n; j++)
                tm[(size_t)i * n + j] += t * a->moment[(size_t)k * n + j];
        }
    for (uint32_t i = 0; i < n_new; i++) /* moment' = (T M) T^T */
        for (uint32_t j = 0; j < n_new; j++) {
            double sum = 0.0;
            for (uint32_t k = 0; k < n; k++)
                sum += tm[(size_t)i * n + k] * T[(size_t)j * n + k];
            moment[(size_t)i * n_new + j] = sum;
        }
    for (uint32_t r = 0; r < rows; r++)
        for (uint32_t k = 0; k < n; k++) {
            double ku = a->k_up[(size_t)r * n + k], vu = a->v_up[(size_t)r * n + k];
            if (ku == 0.0 && vu == 0.0)
                continue;
            for (uint32_t j = 0; j < n_new; j++) {
                k_up[(size_t)r * n_new + j] += ku * Q[(size_t)k * n_new + j];
                v_up[(size_t)r * n_new + j] += vu * Q[(size_t)k * n_new + j];
            }
        }
    free(a->w_lat), free(a->b_lat), free(a->k_up), free(a->v_up), free(a->moment), free(tm);
    a->w_lat = w, a->b_lat = b, a->k_up = k_up, a->v_up = v_up, a->moment = moment;
    a->n_lat = n_new;
    return MLAVK_OK;
}

static mlavk_status transform_orthonormal(transmla_attention *a, double *T, uint32_t n_new)
{
    const uint32_t n = a->n_lat;
    double *Q = malloc((size_t)n * n_new * sizeof *Q);
    if (!Q)
        return oom();
    for (uint32_t i = 0; i < n_new; i++)
        for (uint32_t k = 0; k < n; k++)
            Q[(size_t)k * n_new + i] = T[(size_t)i * n + k];
    mlavk_status status = transform(a, T, Q, n_new);
    free(Q);
    return status;
}

/* The rotation of frequency block b: its rows of P and the frequencies of the pairs it keeps. */
static mlavk_status rotate_block(transmla_attention *a, uint32_t n_kv, uint32_t rope_dim, uint32_t ff, uint32_t b,
                                 const double *old_freq, double *P, double *new_freq)
{
    const uint32_t d = a->head_dim, n = n_kv * ff, m = rope_dim * ff / d, n_lat = a->n_lat;
    double *block = calloc((size_t)n * n, sizeof *block), *U = malloc((size_t)n * n * sizeof *U);
    if (!block || !U) {
        free(block);
        free(U);
        return oom();
    }
    /* element (g, j) of the block: frequency b*ff + j of KV head g; both halves of the pair are samples */
#define INDEX(g, j, half) ((g) * d + (half) * (d / 2) + b * ff + (j))
    for (uint32_t x = 0; x < n; x++)
        for (uint32_t y = 0; y < n; y++)
            for (uint32_t half = 0; half < 2; half++)
                block[(size_t)x * n + y] +=
                    a->moment[(size_t)INDEX(x / ff, x % ff, half) * n_lat + INDEX(y / ff, y % ff, half)];
    mlavk_status status = transmla_pca_basis(block, n, U);
    for (uint32_t comp = 0; status == MLAVK_OK && comp < n; comp++)
        for (uint32_t half = 0; half < 2; half++) {
            uint32_t row;
            if (comp < m) { /* keeps RoPE: pair b*m + comp, adjacent rows */
                uint32_t pair = b * m + comp;
                row = 2 * pair + half;
                new_freq[pair] = old_freq[b * ff + comp * ff / m];
            } else {
                row = rope_dim + 2 * (b * (n - m) + comp - m) + half;
            }
            for (uint32_t x = 0; x < n; x++)
                P[(size_t)row * n_lat + INDEX(x / ff, x % ff, half)] = U[(size_t)x * n + comp];
        }
#undef INDEX
    free(block);
    free(U);
    return status;
}

mlavk_status transmla_rorope(transmla_attention *a, uint32_t n_kv, uint32_t rope_dim, uint32_t ff)
{
    const uint32_t d = a->head_dim, L = n_kv * d, n = a->n_lat;
    if (n != 2 * L || a->n_pairs != L / 2 || ff == 0 || (d / 2) % ff || (rope_dim * ff) % d || rope_dim > L ||
        rope_dim * ff / d == 0)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "transmla: RoRoPE of rope dim %u, freqfold %u does not fit "
                          "%u KV heads of %u", rope_dim, ff, n_kv, d);
    double *P = calloc((size_t)n * n, sizeof *P), *new_freq = calloc(rope_dim / 2 + 1, sizeof *new_freq);
    double *old_freq = malloc(d / 2 * sizeof *old_freq);
    mlavk_status status = P && new_freq && old_freq ? MLAVK_OK : oom();
    for (uint32_t i = 0; status == MLAVK_OK && i < d / 2; i++)
        old_freq[i] = a->pair_freq[i]; /* KV head 0's pairs: every head has the same frequencies */
    for (uint32_t b = 0; status == MLAVK_OK && b < d / 2 / ff; b++)
        status = rotate_block(a, n_kv, rope_dim, ff, b, old_freq, P, new_freq);
    for (uint32_t i = L; i < n; i++) /* the value part stays */
        P[(size_t)i * n + i] = 1.0;
    if (status == MLAVK_OK)
        status = transform_orthonormal(a, P, n);
    if (status == MLAVK_OK)
        status = set_pairs(a, rope_dim / 2);
    for (uint32_t p = 0; status == MLAVK_OK && p < rope_dim / 2; p++) {
        a->pair_a[p] = 2 * p;
        a->pair_b[p] = 2 * p + 1;
        a->pair_freq[p] = new_freq[p];
    }
    free(P);
    free(new_freq);
    free(old_freq);
    return status;
}

double transmla_balance(transmla_attention *a, uint32_t rope_dim)
{
    const uint32_t n = a->n_lat, L = n / 2;
    if (rope_dim >= L)
        return 1.0;
    double key = 0.0, value = 0.0;
    for (uint32_t i = rope_dim; i < L; i++)
        key += sqrt(a->moment[(size_t)i * n + i]);
    for (uint32_t i = L; i < n; i++)
        value += sqrt(a->moment[(size_t)i * n + i]);
    double alpha = (key / (L - rope_dim)) / (value / L);
    if (!(alpha > 0.0) || !isfinite(alpha))
        return 1.0;
    /* diagonal maps applied in place: rows of W_lat, b_lat and the moment / alpha; columns of K_up * alpha */
    for (uint32_t i = rope_dim; i < L; i++) {
        for (uint32_t j = 0; j < a->n_embd; j++)
            a->w_lat[(size_t)i * a->n_embd + j] /= alpha;
        if (a->b_lat)
            a->b_lat[i] /= alpha;
        for (uint32_t j = 0; j < n; j++) {
            a->moment[(size_t)i * n + j] /= alpha;
            a->moment[(size_t)j * n + i] /= alpha;
        }
        for (uint32_t r = 0; r < a->n_head * a->head_dim; r++)
            a->k_up[(size_t)r * n + i] *= alpha;
    }
    return alpha;
}

mlavk_status transmla_pca(transmla_attention *a, uint32_t rope_dim, uint32_t rank)
{
    const uint32_t n = a->n_lat, N = n - rope_dim;
    if (rank == 0 || rank > N)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "transmla: kv rank %u outside [1, %u]", rank, N);
    double *sub = malloc((size_t)N * N * sizeof *sub), *R = malloc((size_t)N * N * sizeof *R);
    double *T = calloc((size_t)(rank + rope_dim) * n, sizeof *T);
    mlavk_status status = sub && R && T ? MLAVK_OK : oom();
    for (uint32_t i = 0; status == MLAVK_OK && i < N; i++)
        memcpy(sub + (size_t)i * N, a->moment + (size_t)(rope_dim + i) * n + rope_dim, N * sizeof *sub);
    if (status == MLAVK_OK)
        status = transmla_pca_basis(sub, N, R);
    if (status == MLAVK_OK) {
        for (uint32_t i = 0; i < rank; i++) /* compressed row i: principal direction i of [key nope ; value] */
            for (uint32_t j = 0; j < N; j++)
                T[(size_t)i * n + rope_dim + j] = R[(size_t)j * N + i];
        for (uint32_t k = 0; k < rope_dim; k++) /* the rope rows follow, unchanged */
            T[(size_t)(rank + k) * n + k] = 1.0;
        status = transform_orthonormal(a, T, rank + rope_dim);
    }
    for (uint32_t p = 0; status == MLAVK_OK && p < a->n_pairs; p++) {
        a->pair_a[p] += rank;
        a->pair_b[p] += rank;
    }
    free(sub);
    free(R);
    free(T);
    return status;
}

void transmla_scale(transmla_attention *a, uint32_t rope_dim)
{
    const double s = sqrt((double)(a->head_dim + rope_dim) / a->head_dim);
    for (size_t i = 0; i < (size_t)a->n_head * a->head_dim * a->n_embd; i++)
        a->wq[i] *= s;
    for (size_t i = 0; a->bq && i < (size_t)a->n_head * a->head_dim; i++)
        a->bq[i] *= s;
    a->score_scale = 1.0 / sqrt((double)(a->head_dim + rope_dim));
}
