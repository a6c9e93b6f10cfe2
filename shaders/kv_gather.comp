#version 450
#extension GL_GOOGLE_include_directive : require
/* out[t] = the cache row of position t of one sequence, read through the page table and widened to F32: the rows
 * the expanded form multiplies by W_UK and W_UV. One workgroup per row (numbered over x and y, as a long sequence
 * may have more rows than one dimension of the grid allows). */
#include "common.glsl"

#define KV_CACHE_BINDING 1
#define KV_CACHE_ACCESS readonly
#define KV_CACHE_READ
#define KV_PAGE_TABLE_BINDING 0
#include "kv_cache.glsl"

layout(std430, binding = 2) writeonly buffer Out { float out_rows[]; };  /* [n_rows][row_dim] */
layout(push_constant) uniform Push { push_kv_gather p; };

void main()
{
    uint t = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (t >= p.n_rows)
        return;
    uint src = kv_row(p.seq, t, p.pages_per_seq) * p.row_dim;
    for (uint col = gl_LocalInvocationID.x; col < p.row_dim; col += gl_WorkGroupSize.x)
        out_rows[t * p.row_dim + col] = kv_cache_load(src + col);
}
