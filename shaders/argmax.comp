#version 450
#extension GL_GOOGLE_include_directive : require
/* One workgroup per row: the index of the largest value, the lowest such index on ties (greedy decoding). */
#include "common.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Out { uint result[]; };
layout(push_constant) uniform Push { push_argmax p; };

#include "reduce.glsl"

void main()
{
    uint xb = p.x_offset + gl_WorkGroupID.x * p.x_stride;
    float best = uintBitsToFloat(0xff800000u);
    uint best_i = 0xffffffffu;
    for (uint i = gl_LocalInvocationID.x; i < p.n; i += gl_WorkGroupSize.x) {
        float v = x[xb + i];
        if (v > best || best_i == 0xffffffffu) {
            best = v;
            best_i = i;
        }
    }
    float m = wg_max(best);
    uint index = wg_min_u(best == m ? best_i : 0xffffffffu);
    if (gl_LocalInvocationID.x == 0u)
        result[gl_WorkGroupID.x] = index;
}
