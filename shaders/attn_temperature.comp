#version 450
#extension GL_GOOGLE_include_directive : require
/* Attention temperature (Mistral Large 3 files, llama.cpp's llm_graph_input_attn_temp): the query of the token at
 * position p is multiplied by log(floor(p / period) + 1) * scale + 1. One invocation per value; x is the value,
 * y the token. Positions come from a device buffer so a recording can be replayed at later positions. */
#include "common.glsl"

layout(std430, binding = 0) buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Pos { uint pos[]; };
layout(push_constant) uniform Push { push_attn_temperature p; };

void main()
{
    uint i = gl_GlobalInvocationID.x, t = gl_WorkGroupID.y;
    if (i >= p.n)
        return;
    float factor = log(float(pos[t] / p.period) + 1.0) * p.scale + 1.0; /* integer division: floor(p / period) */
    x[p.offset + t * p.stride + i] *= factor;
}
