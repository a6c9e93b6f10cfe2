#version 450
#extension GL_GOOGLE_include_directive : require
/* One workgroup per row: y = x / sqrt(mean(x^2) + eps) * w. */
#include "common.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) buffer Y { float y[]; };
layout(push_constant) uniform Push { push_rmsnorm p; };

#include "reduce.glsl"

void main()
{
    uint xb = p.x_offset + gl_WorkGroupID.x * p.x_stride;
    uint yb = p.y_offset + gl_WorkGroupID.x * p.y_stride;
    float sum = 0.0;
    for (uint i = gl_LocalInvocationID.x; i < p.n; i += gl_WorkGroupSize.x)
        sum += x[xb + i] * x[xb + i];
    float inv = inversesqrt(wg_sum(sum) / float(p.n) + p.eps);
    for (uint i = gl_LocalInvocationID.x; i < p.n; i += gl_WorkGroupSize.x)
        y[yb + i] = x[xb + i] * inv * w[i];
}
