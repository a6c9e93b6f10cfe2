#version 450
#extension GL_GOOGLE_include_directive : require
/* One invocation per output value (x) of token y: the routing weights are recomputed by each invocation (k <= 16
 * loads from cache), which is cheaper than a second dispatch and a barrier. */
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Scores { float scores[]; };
layout(std430, binding = 1) readonly buffer Ids { uint ids[]; };
layout(std430, binding = 2) readonly buffer X { float x[]; };
layout(std430, binding = 3) buffer Out { float result[]; };
layout(push_constant) uniform Push { push_moe_combine p; };

void main()
{
    uint i = gl_GlobalInvocationID.x, t = gl_WorkGroupID.y;
    if (i >= p.n)
        return;
    float weight_sum = 0.0, sum = 0.0;
    for (uint j = 0u; j < p.k; j++) {
        float w = scores[t * p.experts + ids[t * p.k + j]];
        weight_sum += w;
        sum += w * x[p.x_offset + (t * p.k + j) * p.x_stride + i];
    }
    float value = sum * (p.normalize != 0u ? p.scale / weight_sum : p.scale);
    uint at = p.out_offset + t * p.out_stride + i;
    result[at] = p.accumulate != 0u ? result[at] + value : value;
}
