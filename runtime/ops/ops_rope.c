/* Rotary position embedding on adjacent pairs, plain or YaRN (DeepSeek V2/V3), and the position-dependent attention
 * temperature of Mistral Large 3. */
#include <math.h>

#include "ops/ops_internal.h"

static bool is_yarn(const ops_rope_params *params) { return params->factor > 1.0; }

/* The pair index whose wavelength completes `rotations` turns over the original context. */
static double yarn_correction_dim(const ops_rope_params *params, double rotations)
{
    return params->dims * log(params->original_context / (rotations * 2.0 * M_PI)) / (2.0 * log(params->theta));
}

void ops_rope_frequencies(const ops_rope_params *params, float *freqs)
{
    uint32_t pairs = params->dims / 2;
    double low = 0, high = 1;
    if (is_yarn(params)) {
        low = fmax(floor(yarn_correction_dim(params, params->beta_fast)), 0.0);
        high = fmin(ceil(yarn_correction_dim(params, params->beta_slow)), params->dims - 1.0);
        if (high == low)
            high += 0.001;
    }
    for (uint32_t i = 0; i < pairs; i++) {
        double base = pow(params->theta, -2.0 * i / params->dims);
        double f = base;
        if (is_yarn(params)) {
            double ramp = fmin(fmax((i - low) / (high - low), 0.0), 1.0);
            f = base / params->factor * ramp + base * (1.0 - ramp);
        }
        freqs[i] = (float)f;
    }
}

static double yarn_mscale(double factor, double mscale)
{
    return factor <= 1.0 ? 1.0 : 0.1 * mscale * log(factor) + 1.0;
}

float ops_rope_magnitude(const ops_rope_params *params)
{
    if (!is_yarn(params))
        return 1.0f;
    return (float)(yarn_mscale(params->factor, params->mscale) / yarn_mscale(params->factor, params->mscale_all_dim));
}

mlavk_status ops_rope(ops *ops, vk_recording *rec, const ops_rope_args *args)
{
    if (args->dims == 0 || args->dims % 2 != 0)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "rope: %u rotated values per head is not a positive even number",
                          args->dims);
    if (args->tokens == 0 || args->heads == 0)
        return MLAVK_OK;
    const vk_pipeline *p;
    MLAVK_TRY(ops_pipeline(ops, OP_ROPE, &p));
    struct push_rope push = {.dims = args->dims,
                             .heads = args->heads,
                             .tokens = args->tokens,
                             .offset = args->x.offset,
                             .head_stride = args->head_stride,
                             .token_stride = ops_rows_stride(args->x, args->heads * args->head_stride),
                             .magnitude = args->magnitude};
    vk_binding bindings[3] = {args->x.buffer, args->positions, args->freqs};
    vk_dispatch(rec, p, bindings, 3, &push, sizeof push, ops_div_up(args->dims / 2, p->local_size[0]), args->heads,
                args->tokens);
    return MLAVK_OK;
}

mlavk_status ops_attn_temperature(ops *ops, vk_recording *rec, ops_rows x, uint32_t n, uint32_t tokens,
                                  vk_binding positions, uint32_t length, float scale)
{
    if (length == 0)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "attn_temperature: the temperature length must be positive");
    if (n == 0 || tokens == 0)
        return MLAVK_OK;
    const vk_pipeline *p;
    MLAVK_TRY(ops_pipeline(ops, OP_ATTN_TEMPERATURE, &p));
    struct push_attn_temperature push = {.n = n,
                                         .tokens = tokens,
                                         .offset = x.offset,
                                         .stride = ops_rows_stride(x, n),
                                         .period = length,
                                         .scale = scale};
    vk_binding bindings[2] = {x.buffer, positions};
    vk_dispatch(rec, p, bindings, 2, &push, sizeof push, ops_div_up(n, p->local_size[0]), tokens, 1);
    return MLAVK_OK;
}
