#version 450
#extension GL_GOOGLE_include_directive : require
/* Embedding gather: out[t] = row ids[t] - row_begin of a table piece holding rows [row_begin, row_end), decoded
 * to F32; one invocation per decode unit (x), one workgroup row per token (y). */
#include "common.glsl"

layout(std430, binding = 0) readonly buffer W { uint w0[]; };
layout(std430, binding = 0) readonly buffer Wq { uvec4 w0q[]; };
layout(std430, binding = 1) readonly buffer Ids { uint ids[]; };
layout(std430, binding = 2) buffer Out { float result[]; };
layout(push_constant) uniform Push { push_get_rows p; };
uint weight_word(uint i) { return w0[i]; }
uvec4 weight_quad(uint i) { return w0q[i]; }
uint weight_word_count() { return uint(w0.length()); }

#include "quant.glsl"

void main()
{
    weight_decoder_init();
    uint t = gl_WorkGroupID.y;
    uint u = gl_GlobalInvocationID.x;
    uint id = ids[t];
    if (id < p.row_begin || id >= p.row_end || u * UNIT_ELEMS >= p.cols)
        return;
    unit h = unit_begin((id - p.row_begin) * p.row_bytes, u, p.cols);
    uint out_row = p.out_offset + t * p.out_stride;
    for (uint g = 0u; g < UNIT_GROUPS; g++) {
        vec4 v = unit_group(h, g);
        uint col = unit_col4(u, g);
        for (uint k = 0u; k < 4u; k++)
            if (col + k < p.cols)
                result[out_row + col + k] = v[k];
    }
}
