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
 * slots order[offsets[e] ..< offsets[e + 1]] the workgroup walks in tiles of BATCH_TILE, so each decoded weight
 * unit serves up to BATCH_TILE slots; slot s reads x row s / slots_per_x and writes y row s. */
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
layout(std430, binding = 0) readonly buffer W { uint w0[]; };
layout(std430, binding = 0) readonly buffer Wq { uvec4 w0q[]; };
layout(std430, binding = X_BINDING) readonly buffer X { float x[]; };
layout(std430, binding = X_BINDING) readonly buffer Xq { vec4 xq[]; };
layout(std430, binding = Y_BINDING) buffer Y { float y[]; };
uint weight_word(uint i) { return w0[i]; }
uvec4 weight_quad(uint i) { return w0q[i]; }
uint weight_word_count() { return uint(w0.length()); }

#include "quant.glsl"

/* x[row_start + col .. + 3] (col is a multiple of 4): one 16-byte load when ALIGNED. Plain weights are 0 past the
 * row's end, where x is clamped to stay inside the row. */
vec4 x4(uint row_start, uint col)
{
    uint i = row_start + col;
    if (ALIGNED)
        return xq[i >> 2];
#ifdef WEIGHT_PLAIN
    uint last = row_start + p.cols - 1u;
    return vec4(x[min(i, last)], x[min(i + 1u, last)], x[min(i + 2u, last)], x[min(i + 3u, last)]);
#else
    return vec4(x[i], x[i + 1u], x[i + 2u], x[i + 3u]);
#endif
}

/* The y row of batch item i, and the x row it reads. */
#ifdef MOE
uint y_row(uint i) { return order[i]; }
uint x_row(uint i) { return order[i] / p.slots_per_x; }
#else
uint y_row(uint i) { return i; }
uint x_row(uint i) { return i; }
#endif

/* Rows row0 .. row0 + ROWS - 1 of the weight at byte w_base, for batch items first .. first + items - 1. */
void tile(uint row0, uint w_base, uint first, uint items)
{
    uint x_start[BATCH_TILE];
    for (uint b = 0u; b < BATCH_TILE; b++)
        x_start[b] = p.x_offset + x_row(first + min(b, items - 1u)) * p.x_stride;
    uint w_start[ROWS];
    for (uint r = 0u; r < ROWS; r++)
        w_start[r] = w_base + min(row0 + r, p.rows - 1u) * p.row_bytes;
    float acc[ROWS * BATCH_TILE];
    for (uint i = 0u; i < ROWS * BATCH_TILE; i++)
        acc[i] = 0.0;

#ifdef WEIGHT_PLAIN
    uint units = (p.cols + UNIT_ELEMS - 1u) / UNIT_ELEMS;
#else
    uint units = p.cols / UNIT_ELEMS;
#endif
    for (uint u = 0u; u < units; u++) {
        vec4 xv[UNIT_GROUPS * BATCH_TILE];
        for (uint g = 0u; g < UNIT_GROUPS; g++)
            for (uint b = 0u; b < BATCH_TILE; b++)
                xv[g * BATCH_TILE + b] = x4(x_start[b], unit_col4(u, g));
        for (uint r = 0u; r < ROWS; r++) {
            unit h = unit_begin(w_start[r], u, p.cols);
            for (uint g = 0u; g < UNIT_GROUPS; g++) {
                vec4 w = unit_group(h, g);
                for (uint b = 0u; b < BATCH_TILE; b++)
                    acc[r * BATCH_TILE + b] += dot(w, xv[g * BATCH_TILE + b]);
            }
        }
    }

    for (uint r = 0u; r < ROWS; r++) {
        for (uint b = 0u; b < BATCH_TILE; b++) {
            if (row0 + r < p.rows && b < items) {
                uint yi = p.y_offset + y_row(first + b) * p.y_stride + row0 + r;
                y[yi] = p.accumulate != 0u ? y[yi] + acc[r * BATCH_TILE + b] : acc[r * BATCH_TILE + b];
            }
        }
    }
}

void main()
{
    uint row0 = ((gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x +
                 gl_LocalInvocationID.x) * ROWS;
#ifdef MOE
    uint expert = p.expert_begin + gl_WorkGroupID.z;
    uint end = offsets[expert + 1u];
    uint w_base = gl_WorkGroupID.z * p.expert_bytes;
    for (uint first = offsets[expert]; first < end; first += BATCH_TILE)
        tile(row0, w_base, first, min(BATCH_TILE, end - first));
#else
    uint first = gl_WorkGroupID.z * BATCH_TILE;
    tile(row0, 0u, first, min(BATCH_TILE, p.batch - first));
#endif
}
