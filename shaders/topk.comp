#version 450
#extension GL_GOOGLE_include_directive : require
/* One workgroup per row of n <= TOPK_MAX_N scores: each element's rank is the number of elements that beat it
 * (larger, or equal with a lower index); ranks below k are written in place, so no sort or reduction is needed. */
#include "common.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Ids { uint ids[]; };
layout(std430, binding = 2) writeonly buffer Values { float values[]; };
layout(push_constant) uniform Push { push_topk p; };

shared float scores[TOPK_MAX_N];

void main()
{
    uint row = gl_WorkGroupID.x;
    for (uint i = gl_LocalInvocationID.x; i < p.n; i += gl_WorkGroupSize.x)
        scores[i] = x[p.x_offset + row * p.x_stride + i];
    barrier();
    for (uint i = gl_LocalInvocationID.x; i < p.n; i += gl_WorkGroupSize.x) {
        float v = scores[i];
        uint rank = 0u;
        for (uint j = 0u; j < p.n && rank < p.k; j++) {
            float o = scores[j];
            rank += (o > v || (o == v && j < i)) ? 1u : 0u;
        }
        if (rank < p.k) {
            ids[row * p.k + rank] = i;
            values[row * p.k + rank] = v;
        }
    }
}
