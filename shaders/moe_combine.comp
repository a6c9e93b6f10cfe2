#version 450
#extension GL_GOOGLE_include_directive : require
/* Residual update after a MoE layer: x += sum_j w_j * expert_j(x) + shared(x), for each token of a batch. */
#include "common.glsl"

layout(std430, binding = 0) buffer X { float x[]; };                          /* [n_tokens][dim] */
layout(std430, binding = 1) readonly buffer ExpertOut { float expert_out[]; };  /* [n_tokens][n_used][dim] */
layout(std430, binding = 2) readonly buffer Weights { float weights[]; };       /* [n_tokens][n_used] */
layout(std430, binding = 3) readonly buffer SharedOut { float shared_out[]; };  /* [n_tokens][dim] */
layout(push_constant) uniform Push { push_moe_combine p; };

void main()
{
    uint i = gl_GlobalInvocationID.x, token = gl_GlobalInvocationID.y;
    if (i >= p.dim || token >= p.n_tokens)
        return;
    float sum = shared_out[token * p.dim + i];
    for (uint j = 0; j < p.n_used; j++)
        sum += weights[token * p.n_used + j] * expert_out[(token * p.n_used + j) * p.dim + i];
    x[token * p.dim + i] += sum;
}
