#version 450
#extension GL_GOOGLE_include_directive : require
/* Writes rows [c | k_pe] of a batch to the paged latent cache: row b at position positions[b] of sequence
 * seq_ids[b], through the page table. */
#include "common.glsl"

#define KV_CACHE_BINDING 4
#define KV_CACHE_ACCESS writeonly
#define KV_PAGE_TABLE_BINDING 3
#include "kv_cache.glsl"

layout(std430, binding = 0) readonly buffer Rows { float rows[]; };     /* [n_rows][row_dim] */
layout(std430, binding = 1) readonly buffer Positions { uint positions[]; };
layout(std430, binding = 2) readonly buffer SeqIds { uint seq_ids[]; };
layout(push_constant) uniform Push { push_kv_store p; };

void main()
{
    uint row = gl_GlobalInvocationID.y;
    if (row >= p.n_rows)
        return;
    uint dst = kv_row(seq_ids[row], positions[row], p.pages_per_seq) * p.row_dim, src = row * p.row_dim;
#ifdef CACHE_F32
    uint col = gl_GlobalInvocationID.x;
    if (col < p.row_dim)
        kv_cache[dst + col] = rows[src + col];
#else
    /* row_dim is even (checked on the host), so each thread writes one aligned pair */
    uint col = gl_GlobalInvocationID.x * 2u;
    if (col < p.row_dim)
        kv_cache[(dst + col) >> 1] = packHalf2x16(vec2(rows[src + col], rows[src + col + 1u]));
#endif
}
