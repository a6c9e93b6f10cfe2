#version 450
#extension GL_GOOGLE_include_directive : require
/* Groups MoE slots by expert for the tiled expert kernel (gemm.comp with MOE): offsets[e] .. offsets[e + 1] is the
 * range of order[] holding the slots whose id is e, in ascending slot order. One workgroup; invocation e counts and
 * then lists expert e's slots by scanning every id, so the result is the same on every run with no atomics (slots
 * are at most a few thousand, a small cost beside the products it serves). Ids >= experts fall in no group. */
#include "common.glsl"

layout(push_constant) uniform Push { push_moe_group p; };

layout(std430, binding = 0) readonly buffer Ids { uint ids[]; };
layout(std430, binding = 1) writeonly buffer Offsets { uint offsets[]; };  /* [experts + 1] */
layout(std430, binding = 2) writeonly buffer Order { uint order[]; };      /* [slots] */

shared uint counts[MOE_GROUP_MAX_EXPERTS];

void main()
{
    for (uint e = gl_LocalInvocationID.x; e < p.experts; e += gl_WorkGroupSize.x) {
        uint n = 0u;
        for (uint s = 0u; s < p.slots; s++)
            n += ids[p.ids_offset + s] == e ? 1u : 0u;
        counts[e] = n;
    }
    barrier();
    for (uint e = gl_LocalInvocationID.x; e < p.experts; e += gl_WorkGroupSize.x) {
        uint at = 0u;
        for (uint j = 0u; j < e; j++)
            at += counts[j];
        offsets[e] = at;
        if (e == p.experts - 1u)
            offsets[p.experts] = at + counts[e];
        for (uint s = 0u; s < p.slots; s++)
            if (ids[p.ids_offset + s] == e)
                order[at++] = s;
    }
}
