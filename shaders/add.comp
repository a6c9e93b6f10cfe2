#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer Out { float result[]; };
layout(push_constant) uniform Push { push_add p; };

void main()
{
    uint i = gl_GlobalInvocationID.x;
    if (i < p.n)
        result[i] = a[i] + b[i % p.period];
}
