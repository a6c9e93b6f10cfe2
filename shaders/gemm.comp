#version 450
#extension GL_GOOGLE_include_directive : require
/* Batched y[b][r] (+)= W[r] . x[b] for prompts: each invocation owns ROWS weight rows and BATCH_TILE batch items,
 * and runs along the whole row length. Per weight unit it loads the batch items' x values once into registers, then
 * decodes each of its rows' units once and applies it to every item: about 1 / ROWS x loads and 1 / BATCH_TILE
 * weight loads per multiply-add, where the reduction kernel (matmul.comp) does one x load per multiply-add. On a CPU
 * driver (lavapipe) every load is a per-invocation scalar loop, so the load count is what sets the speed. Nothing
 * is reduced (no shared memory, no barrier). Workgroups are numbered over x and y for the rows; z is the batch
 * tile. Invocations past the last row or item compute on clamped indices and store nothing.
 *
 * With MOE the batch items are MoE slots grouped by expert (moe_group.comp): z is the expert (of this piece), whose
 * slots order[offsets[e] ..< offsets[e + 1]] the workgroup walks in tiles of BATCH_TILE (a half tile for the last
 * few), so each decoded weight unit serves up to BATCH_TILE slots; slot s reads x row s / slots_per_x and writes y
 * row s. The tile's body is include/gemm_tile.glsl, once per width. */
#include "common.glsl"

layout(constant_id = 3) const uint ROWS = 8;
layout(constant_id = 4) const uint BATCH_TILE = 4;

layout(push_constant) uniform Push { push_matmul p; };

#ifdef MOE
layout(std430, binding = 1) readonly buffer Offsets { uint offsets[]; };
layout(std430, binding = 2) readonly buffer Order { uint order[]; };
#define X_BINDING 3
#define Y_BINDING 4
#else
#define X_BINDING 1
#define Y_BINDING 2
#endif
#include "weight_product.glsl"

/* The y row of batch item i, and the x row it reads. */
#ifdef MOE
uint y_row(uint i) { return order[i]; }
uint x_row(uint i) { return order[i] / p.slots_per_x; }
#else
uint y_row(uint i) { return i; }
uint x_row(uint i) { return i; }
#endif

#define TILE_FUNCTION tile
#define TILE_ITEMS BATCH_TILE
#include "gemm_tile.glsl"
#undef TILE_FUNCTION
#undef TILE_ITEMS

#ifdef MOE
/* An expert's last 1 .. TAIL_TILE slots take a half-width tile: an expert gets few slots in a prompt (6 on average
 * for 64 tokens of V2-Lite), so the items a full tile computes and drops cost a large share (measured 5-18% faster
 * with the half tile on lavapipe). */
const uint TAIL_TILE = (BATCH_TILE + 1u) / 2u;
#define TILE_FUNCTION tile_tail
#define TILE_ITEMS TAIL_TILE
#include "gemm_tile.glsl"
#endif

void main()
{
    weight_decoder_init();
    uint row0 = ((gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x +
                 gl_LocalInvocationID.x) * ROWS;
#ifdef MOE
    uint expert = p.expert_begin + gl_WorkGroupID.z;
    uint end = offsets[expert + 1u];
    uint w_base = gl_WorkGroupID.z * p.expert_bytes;
    uint first = offsets[expert];
    for (; first + TAIL_TILE < end; first += BATCH_TILE)
        tile(row0, w_base, first, min(BATCH_TILE, end - first));
    if (first < end)
        tile_tail(row0, w_base, first, end - first);
#else
    uint first = gl_WorkGroupID.z * BATCH_TILE;
    tile(row0, 0u, first, min(BATCH_TILE, p.batch - first));
#endif
}
