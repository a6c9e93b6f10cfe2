#version 450
#extension GL_GOOGLE_include_directive : require
/* One workgroup per row, numbered over x and y as prefill attention can have more than 65535 rows: softmax of
 * scale * x over the visible columns (all, or c <= causal_p0 + row when causal); masked columns become 0. */
#include "common.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) buffer Y { float y[]; };
layout(push_constant) uniform Push { push_softmax p; };

#include "reduce.glsl"

void main()
{
    uint row = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (row >= p.rows)
        return;
    uint xb = p.x_offset + row * p.x_stride;
    uint yb = p.y_offset + row * p.y_stride;
    uint visible = p.causal != 0u ? min(p.n, p.causal_p0 + row + 1u) : p.n;
    float m = uintBitsToFloat(0xff800000u);
    for (uint i = gl_LocalInvocationID.x; i < visible; i += gl_WorkGroupSize.x)
        m = max(m, p.scale * x[xb + i]);
    m = wg_max(m);
    float sum = 0.0;
    for (uint i = gl_LocalInvocationID.x; i < visible; i += gl_WorkGroupSize.x)
        sum += exp(p.scale * x[xb + i] - m);
    float inv = 1.0 / wg_sum(sum);
    for (uint i = gl_LocalInvocationID.x; i < p.n; i += gl_WorkGroupSize.x)
        y[yb + i] = i < visible ? exp(p.scale * x[xb + i] - m) * inv : 0.0;
}
