#version 450
#extension GL_GOOGLE_include_directive : require
/* In-place rotation of adjacent pairs: one invocation per pair; x is the pair index, y the head, z the token.
 * Positions come from a device buffer so a recording can be replayed at later positions. */
#include "common.glsl"

layout(std430, binding = 0) buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Pos { uint pos[]; };
layout(std430, binding = 2) readonly buffer Freq { float freq[]; };
layout(push_constant) uniform Push { push_rope p; };

void main()
{
    uint i = gl_GlobalInvocationID.x;
    if (i >= p.dims / 2u)
        return;
    uint h = gl_WorkGroupID.y, t = gl_WorkGroupID.z;
    uint at = p.offset + t * p.token_stride + h * p.head_stride + 2u * i;
    float angle = float(pos[t]) * freq[i];
    float c = cos(angle) * p.magnitude, s = sin(angle) * p.magnitude;
    float a = x[at], b = x[at + 1u];
    x[at] = a * c - b * s;
    x[at + 1u] = a * s + b * c;
}
