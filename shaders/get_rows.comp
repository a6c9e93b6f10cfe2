#version 450
#extension GL_GOOGLE_include_directive : require
/* Embedding gather: out[t] = row ids[t] - row_begin of a table piece holding rows [row_begin, row_end), decoded
 * to F32; one invocation per decode unit (x), one workgroup row per token (y). */
#include "common.glsl"

layout(std430, binding = 0) readonly buffer W { uint w0[]; };
layout(std430, binding = 1) readonly buffer Ids { uint ids[]; };
layout(std430, binding = 2) buffer Out { float result[]; };
layout(push_constant) uniform Push { push_get_rows p; };
uint weight_word(uint i) { return w0[i]; }

#include "quant.glsl"

void main()
{
    uint t = gl_WorkGroupID.y;
    uint u = gl_GlobalInvocationID.x;
    uint id = ids[t];
    if (id < p.row_begin || id >= p.row_end || u * UNIT_ELEMS >= p.cols)
        return;
    float w[UNIT_ELEMS];
    dequant_unit((id - p.row_begin) * p.row_bytes, u, p.cols, w);
    for (uint k = 0u; k < UNIT_ELEMS; k++) {
        uint col = unit_col(u, k);
        if (col < p.cols)
            result[p.out_offset + t * p.out_stride + col] = w[k];
    }
}
