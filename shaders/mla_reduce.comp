#version 450
#extension GL_GOOGLE_include_directive : require
/* Combines the per-split partial outputs of mla_attention: with M the largest running max over the splits,
 * out = sum_s exp(m_s - M) O_s / sum_s exp(m_s - M) l_s. */
#include "common.glsl"

layout(std430, binding = 0) readonly buffer PartialOut { float partial_out[]; };
layout(std430, binding = 1) readonly buffer PartialStats { vec2 partial_stats[]; };
layout(std430, binding = 2) writeonly buffer Out { float result[]; };   /* [n_queries][latent_dim] */
layout(push_constant) uniform Push { push_mla_reduce p; };

void main()
{
    uint col = gl_GlobalInvocationID.x, query = gl_GlobalInvocationID.y;
    if (col >= p.latent_dim || query >= p.n_queries)
        return;
    float m = -1.0 / 0.0;
    for (uint s = 0; s < p.n_splits; s++)
        m = max(m, partial_stats[s * p.n_queries + query].x);
    float numerator = 0.0, denominator = 0.0;
    for (uint s = 0; s < p.n_splits; s++) {
        vec2 stats = partial_stats[s * p.n_queries + query];
        if (stats.x == -1.0 / 0.0)
            continue; /* an empty split */
        float w = exp(stats.x - m);
        numerator += w * partial_out[(s * p.n_queries + query) * p.latent_dim + col];
        denominator += w * stats.y;
    }
    result[query * p.latent_dim + col] = numerator / denominator;
}
