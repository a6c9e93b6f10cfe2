/* Each exact TransMLA step keeps one layer's attention: merge, RoRoPE with FreqFold 1 (RoPE on every rotated
 * dimension), balancing, full-rank PCA, softmax-scale compensation. After each, the layer's attention outputs over a
 * random sequence, evaluated from the latent form as transmla.h defines it, equal the double GQA reference
 * (tests/ref/ref_gqa.c) within 1e-9 max-abs (everything in double; the bound leaves room for the rounding of ~10^4
 * operations). Random weights, odd sizes (D 37, 6 query heads over 3 KV heads of 10, 5 frequencies), with and
 * without q/k/v biases, moments from the weights or a random positive-definite matrix, and a rope frequency factor.
 * The lossy forms (partial RoPE, FreqFold 5, rank cut) must change the outputs but keep them finite. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/transmla.h"
#include "ref/ref_gqa.h"
#include "test_util.h"

#define T 9
#define BOUND 1e-9

/* Outputs [T][H*d] of the latent form over inputs x [T][D]: written from transmla.h's definition. */
static void eval_latent(const transmla_attention *a, const double *x, double *out)
{
    const uint32_t D = a->n_embd, H = a->n_head, d = a->head_dim, n = a->n_lat;
    double *c = calloc((size_t)T * n, sizeof *c), *u = calloc((size_t)T * H * n, sizeof *u), p[T];
    for (uint32_t t = 0; t < T; t++) {
        for (uint32_t i = 0; i < n; i++) {
            double s = a->b_lat ? a->b_lat[i] : 0.0;
            for (uint32_t j = 0; j < D; j++)
                s += a->w_lat[(size_t)i * D + j] * x[t * D + j];
            c[t * n + i] = s;
        }
        for (uint32_t h = 0; h < H; h++) {
            double q[64];
            for (uint32_t e = 0; e < d; e++) {
                double s = a->bq ? a->bq[h * d + e] : 0.0;
                for (uint32_t j = 0; j < D; j++)
                    s += a->wq[((size_t)h * d + e) * D + j] * x[t * D + j];
                q[e] = s;
            }
            for (uint32_t i = 0; i < n; i++) {
                double s = 0.0;
                for (uint32_t e = 0; e < d; e++)
                    s += a->k_up[((size_t)h * d + e) * n + i] * q[e];
                u[(t * H + h) * n + i] = s;
            }
        }
        for (uint32_t pr = 0; pr < a->n_pairs; pr++) {
            double cs = cos(t * a->pair_freq[pr]), sn = sin(t * a->pair_freq[pr]);
            for (uint32_t r = 0; r <= H; r++) { /* r < H: u of head r; r == H: the latent */
                double *v = r < H ? u + (t * H + r) * n : c + t * n;
                double va = v[a->pair_a[pr]], vb = v[a->pair_b[pr]];
                v[a->pair_a[pr]] = va * cs - vb * sn;
                v[a->pair_b[pr]] = va * sn + vb * cs;
            }
        }
    }
    for (uint32_t t = 0; t < T; t++)
        for (uint32_t h = 0; h < H; h++) {
            double max = -INFINITY, sum = 0.0;
            for (uint32_t s = 0; s <= t; s++) {
                double score = 0.0;
                for (uint32_t i = 0; i < n; i++)
                    score += u[(t * H + h) * n + i] * c[s * n + i];
                p[s] = score * a->score_scale;
                max = fmax(max, p[s]);
            }
            for (uint32_t s = 0; s <= t; s++)
                sum += (p[s] = exp(p[s] - max));
            for (uint32_t e = 0; e < d; e++) {
                double o = 0.0;
                for (uint32_t s = 0; s <= t; s++)
                    for (uint32_t i = 0; i < n; i++)
                        o += p[s] / sum * a->v_up[((size_t)h * d + e) * n + i] * c[s * n + i];
                out[(t * H + h) * d + e] = o;
            }
        }
    free(c);
    free(u);
}

static double max_abs(const double *a, const double *b, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        m = isfinite(a[i]) && isfinite(b[i]) ? fmax(m, fabs(a[i] - b[i])) : INFINITY;
    return m;
}

static void check_step(const char *label, const transmla_attention *a, const double *x, const double *want,
                       size_t n, double bound)
{
    double *got = malloc(n * sizeof *got);
    eval_latent(a, x, got);
    double err = max_abs(got, want, n);
    printf("%-40s max-abs %.3g (bound %g)\n", label, err, bound);
    CHECK_MSG(err <= bound, "%s: max-abs %g over %g", label, err, bound);
    free(got);
}

/* A random positive-definite moment [n][n]: A A^T + I. */
static double *random_moment(test_rng *rng, uint32_t n)
{
    double *a = malloc((size_t)n * n * sizeof *a), *m = calloc((size_t)n * n, sizeof *m);
    for (size_t i = 0; i < (size_t)n * n; i++)
        a[i] = test_rng_uniform(rng, -1, 1);
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < n; j++) {
            for (uint32_t k = 0; k < n; k++)
                m[(size_t)i * n + j] += a[(size_t)i * n + k] * a[(size_t)j * n + k];
            m[(size_t)i * n + j] += i == j;
        }
    free(a);
    return m;
}

static void exact_steps(bool bias, bool own_moment, uint64_t seed)
{
    gqa_config c = {.arch = bias ? GQA_ARCH_QWEN2 : GQA_ARCH_LLAMA, .n_embd = 37, .n_layer = 1, .n_head = 6,
                    .n_head_kv = 3, .head_dim = 10, .n_ff = 11, .n_vocab = 5, .n_ctx_train = 64,
                    .rms_norm_eps = 1e-5f, .rope_freq_base = 100.0f, .qkv_bias = bias};
    test_rng rng = {seed};
    gqa_model *m = ref_gqa_random(&c, &rng);
    float factors[5] = {1.0f, 1.0f, 2.5f, 1.0f, 8.0f};
    const uint32_t L = c.n_head_kv * c.head_dim, n = T * c.n_head * c.head_dim;
    double x[T * 37], *want = malloc(n * sizeof *want);
    for (size_t i = 0; i < T * 37; i++)
        x[i] = test_rng_uniform(&rng, -1.5, 1.5);
    ref_gqa_attention(&c, &m->layers[0], factors, x, T, want);
    double *moment = own_moment ? NULL : random_moment(&rng, 2 * L);
    char label[96];
    const char *form = bias ? "biases" : "no biases";
    transmla_attention a;
    CHECK(transmla_merge(&c, &m->layers[0], factors, moment, &a) == MLAVK_OK);
    snprintf(label, sizeof label, "merge (%s)", form);
    check_step(label, &a, x, want, n, BOUND);
    CHECK(transmla_rorope(&a, c.n_head_kv, L, 1) == MLAVK_OK);
    snprintf(label, sizeof label, "RoRoPE, FreqFold 1, rope dim %u (%s)", L, form);
    check_step(label, &a, x, want, n, BOUND);
    double alpha = transmla_balance(&a, 20); /* RoPE kept on 20 of 30 rows: balance the other 10 against V */
    CHECK(alpha > 0.0 && alpha != 1.0);
    snprintf(label, sizeof label, "balance, alpha %.3f (%s)", alpha, form);
    check_step(label, &a, x, want, n, BOUND);
    CHECK(transmla_pca(&a, L, L) == MLAVK_OK);
    snprintf(label, sizeof label, "PCA to full rank %u (%s)", L, form);
    check_step(label, &a, x, want, n, BOUND);
    CHECK(a.n_lat == 2 * L && a.pair_a[0] == L && a.pair_b[0] == L + 1);
    transmla_scale(&a, L);
    snprintf(label, sizeof label, "softmax scale (%s)", form);
    check_step(label, &a, x, want, n, BOUND);
    CHECK(fabs(a.score_scale - 1.0 / sqrt(10.0 + L)) < 1e-15);
    transmla_attention_free(&a);
    free(moment);
    free(want);
    ref_gqa_free(m);
}

/* Partial RoPE and a rank cut are lossy: outputs differ from the reference but stay finite. */
static void lossy_steps(void)
{
    gqa_config c = {.arch = GQA_ARCH_LLAMA, .n_embd = 37, .n_layer = 1, .n_head = 6, .n_head_kv = 3,
                    .head_dim = 10, .n_ff = 11, .n_vocab = 5, .n_ctx_train = 64, .rms_norm_eps = 1e-5f,
                    .rope_freq_base = 100.0f};
    test_rng rng = {77};
    gqa_model *m = ref_gqa_random(&c, &rng);
    const uint32_t n = T * 60;
    double x[T * 37], *want = malloc(n * sizeof *want), *got = malloc(n * sizeof *got);
    for (size_t i = 0; i < T * 37; i++)
        x[i] = test_rng_uniform(&rng, -1.5, 1.5);
    ref_gqa_attention(&c, &m->layers[0], NULL, x, T, want);
    transmla_attention a, cut;
    CHECK(transmla_merge(&c, &m->layers[0], NULL, NULL, &a) == MLAVK_OK);
    CHECK(transmla_rorope(&a, 3, 10, 5) == MLAVK_OK); /* one block of all 5 frequencies, 5 pairs kept */
    CHECK(a.n_pairs == 5);
    eval_latent(&a, x, got);
    double err = max_abs(got, want, n);
    printf("%-40s max-abs %.3g (lossy: must be finite, above 1e-6)\n", "rope dim 10, FreqFold 5", err);
    CHECK(isfinite(err) && err > 1e-6);
    /* balancing and a full-rank PCA of [key nope (20) ; value (30)] keep the partial-RoPE attention exactly */
    memcpy(want, got, n * sizeof *want);
    transmla_balance(&a, 10);
    check_step("balance after partial RoPE", &a, x, want, n, BOUND);
    CHECK(transmla_merge(&c, &m->layers[0], NULL, NULL, &cut) == MLAVK_OK);
    CHECK(transmla_rorope(&cut, 3, 10, 5) == MLAVK_OK);
    transmla_balance(&cut, 10);
    CHECK(transmla_pca(&a, 10, 50) == MLAVK_OK);
    check_step("PCA of [K nope ; V] to full rank 50", &a, x, want, n, BOUND);
    CHECK(transmla_pca(&cut, 10, 17) == MLAVK_OK);
    eval_latent(&cut, x, got);
    err = max_abs(got, want, n);
    printf("%-40s max-abs %.3g (lossy: must be finite, above 1e-6)\n", "rank 17 of 50", err);
    CHECK(isfinite(err) && err > 1e-6);
    transmla_attention_free(&cut);
    /* misfits are refused, not computed */
    transmla_attention b;
    CHECK(transmla_merge(&c, &m->layers[0], NULL, NULL, &b) == MLAVK_OK);
    CHECK(transmla_rorope(&b, 3, 10, 2) == MLAVK_ERR_INVALID_ARGUMENT); /* 2 does not divide 5 frequencies */
    CHECK(transmla_rorope(&b, 3, 4, 1) == MLAVK_ERR_INVALID_ARGUMENT);  /* 4 * 1 not a multiple of 10 */
    CHECK(transmla_rorope(&b, 3, 30, 1) == MLAVK_OK);
    CHECK(transmla_pca(&b, 30, 31) == MLAVK_ERR_INVALID_ARGUMENT);       /* rank > 2L - dr = 30 */
    transmla_attention_free(&a);
    transmla_attention_free(&b);
    free(want);
    free(got);
    ref_gqa_free(m);
}

/* Calibration: layer 0's moment equals sum [k;v][k;v]^T of the embeddings' projections (computed here in double),
 * within 1e-5 relative (the calibration forward runs in float); the partial-RoPE pass at rope dim L, FreqFold 1
 * (exact) gives the reference's perplexity over the same windows within 1e-4 relative, and latent moments equal to
 * the GQA moments carried through merge and RoRoPE within 1e-5 relative. */
static void calibration(void)
{
    gqa_config c = {.arch = GQA_ARCH_QWEN2, .n_embd = 24, .n_layer = 2, .n_head = 4, .n_head_kv = 2,
                    .head_dim = 8, .n_ff = 19, .n_vocab = 13, .n_ctx_train = 32, .rms_norm_eps = 1e-5f,
                    .rope_freq_base = 1000.0f, .qkv_bias = true};
    test_rng rng = {99};
    gqa_model *m = ref_gqa_random(&c, &rng);
    int32_t tokens[64];
    for (int i = 0; i < 64; i++)
        tokens[i] = (int32_t)test_rng_below(&rng, c.n_vocab);
    transmla_options o = {.exact = true, .calib = tokens, .n_calib = 64};
    transmla_plan plan;
    CHECK(transmla_plan_for(&c, &o, &plan) == MLAVK_OK && plan.calib_window == 32 && plan.calib_windows == 2);
    double *moments = NULL;
    CHECK(transmla_calibrate(m, &plan, &o, &moments) == MLAVK_OK);
    const uint32_t L = 16, n = 32, D = 24;
    double want[32 * 32] = {0}, worst = 0.0, scale = 0.0;
    for (int t = 0; t < 64; t++) {
        const float *e = m->token_embd + (size_t)tokens[t] * D, *norm = m->layers[0].attn_norm;
        double ss = 0.0, h[24], z[32];
        for (uint32_t i = 0; i < D; i++)
            ss += (double)e[i] * e[i];
        for (uint32_t i = 0; i < D; i++)
            h[i] = e[i] / sqrt(ss / D + c.rms_norm_eps) * norm[i];
        for (uint32_t r = 0; r < n; r++) {
            const float *w = r < L ? m->layers[0].wk + r * D : m->layers[0].wv + (r - L) * D;
            z[r] = r < L ? m->layers[0].bk[r] : m->layers[0].bv[r - L];
            for (uint32_t i = 0; i < D; i++)
                z[r] += w[i] * h[i];
        }
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t j = 0; j < n; j++)
                want[i * n + j] += z[i] * z[j];
    }
    for (uint32_t i = 0; moments && i < n * n; i++) {
        worst = fmax(worst, fabs(moments[i] - want[i]));
        scale = fmax(scale, fabs(want[i]));
    }
    printf("%-40s max-abs %.3g of %.3g\n", "layer 0 moment", worst, scale);
    CHECK(moments && worst <= 1e-5 * scale);
    double ppl = 0.0, nll = 0.0, logits[32 * 13];
    double *latent = calloc(2 * 32 * 32, sizeof *latent);
    CHECK(moments && transmla_partial_rope_pass(m, &plan, &o, moments, 2, &ppl, latent) == MLAVK_OK);
    for (int w = 0; w < 2; w++) {
        ref_gqa_forward(m, tokens + 32 * w, 32, logits);
        for (int t = 0; t + 1 < 32; t++) {
            double max = -INFINITY, sum = 0.0;
            for (int v = 0; v < 13; v++)
                max = fmax(max, logits[t * 13 + v]);
            for (int v = 0; v < 13; v++)
                sum += exp(logits[t * 13 + v] - max);
            nll += max + log(sum) - logits[t * 13 + tokens[32 * w + t + 1]];
        }
    }
    double want_ppl = exp(nll / 62);
    printf("%-40s %.6f, reference %.6f\n", "exact partial-RoPE perplexity", ppl, want_ppl);
    CHECK(fabs(ppl - want_ppl) <= 1e-4 * want_ppl);
    /* exact, so the partial-RoPE model's latent moments are the GQA moments carried through merge and RoRoPE */
    for (uint32_t l = 0; moments && l < 2; l++) {
        transmla_attention a;
        CHECK(transmla_merge(&c, &m->layers[l], NULL, moments + l * n * n, &a) == MLAVK_OK);
        CHECK(transmla_rorope(&a, 2, 16, 1) == MLAVK_OK);
        worst = scale = 0.0;
        for (uint32_t i = 0; i < n * n; i++) {
            worst = fmax(worst, fabs(latent[l * n * n + i] - a.moment[i]));
            scale = fmax(scale, fabs(a.moment[i]));
        }
        printf("layer %u partial-RoPE latent moment       max-abs %.3g of %.3g\n", l, worst, scale);
        CHECK(worst <= 1e-5 * scale);
        transmla_attention_free(&a);
    }
    free(latent);
    free(moments);
    ref_gqa_free(m);
}

/* The plan refuses what the options cannot fit, naming the numbers. */
static void plans(void)
{
    gqa_config c = {.n_embd = 64, .n_layer = 2, .n_head = 8, .n_head_kv = 2, .head_dim = 16, .n_ctx_train = 256};
    transmla_plan plan;
    int32_t tokens[300] = {0};
    transmla_options o = {.rope_dim = 8, .kv_rank = 32, .calib = tokens, .n_calib = 255};
    CHECK(transmla_plan_for(&c, &o, &plan) == MLAVK_ERR_INVALID_ARGUMENT);
    CHECK(strstr(mlavk_last_error(), "calibration text of 255 tokens is shorter than one window of 256") != NULL);
    o.n_calib = 300;
    CHECK(transmla_plan_for(&c, &o, &plan) == MLAVK_OK);
    CHECK(plan.freqfold == 2 && plan.calib_windows == 1 && plan.calib_window == 256);
    o = (transmla_options){.exact = true};
    CHECK(transmla_plan_for(&c, &o, &plan) == MLAVK_OK);
    CHECK(plan.rope_dim == 32 && plan.kv_rank == 32 && plan.freqfold == 1);
}

int main(void)
{
    plans();
    calibration();
    exact_steps(false, true, 5);
    exact_steps(true, true, 6);
    exact_steps(true, false, 7);
    lossy_steps();
    return test_finish("transmla_steps");
}
