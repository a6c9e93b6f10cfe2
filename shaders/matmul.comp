#version 450
#extension GL_GOOGLE_include_directive : require
/* y[b][r] (+)= W[r] . x[b] for ROWS rows per workgroup and BATCH_TILE batch items per workgroup, which reuse each
 * decoded weight unit. The workgroup's invocations stride over the units of a row (adjacent invocations read
 * adjacent bytes) and reduce at the end. Workgroups are numbered over x and y (a row count above 65535 groups
 * needs both); z is the batch tile, or with MOE the slot, whose expert id comes from a device buffer. */
#include "common.glsl"

layout(constant_id = 3) const uint ROWS = 2;
layout(constant_id = 4) const uint BATCH_TILE = 1;

layout(push_constant) uniform Push { push_matmul p; };

#ifdef MOE
layout(std430, binding = 1) readonly buffer Ids { uint ids[]; };
#define X_BINDING 2
#define Y_BINDING 3
#else
#define X_BINDING 1
#define Y_BINDING 2
#endif
#include "weight_product.glsl"
#include "reduce.glsl"

void main()
{
    weight_decoder_init();
    uint row0 = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * ROWS;
    if (row0 >= p.rows)
        return;
    uint base = 0u;
#ifdef MOE
    uint slot = gl_WorkGroupID.z;
    uint expert = ids[p.ids_offset + slot];
    if (expert < p.expert_begin || expert >= p.expert_end)
        return; /* another piece's dispatch serves this slot */
    base = (expert - p.expert_begin) * p.expert_bytes;
    uint x_row0 = slot / p.slots_per_x, y_row0 = slot;
    uint batch_items = 1u;
#else
    uint x_row0 = gl_WorkGroupID.z * BATCH_TILE, y_row0 = x_row0;
    uint batch_items = min(BATCH_TILE, p.batch - x_row0);
#endif
    float acc[ROWS * BATCH_TILE];
    for (uint i = 0u; i < ROWS * BATCH_TILE; i++)
        acc[i] = 0.0;

#ifdef WEIGHT_PLAIN
    uint units = (p.cols + UNIT_ELEMS - 1u) / UNIT_ELEMS;
#else
    uint units = p.cols / UNIT_ELEMS;
#endif
    for (uint u = gl_LocalInvocationID.x; u < units; u += gl_WorkGroupSize.x) {
        for (uint r = 0u; r < ROWS; r++) {
            if (row0 + r >= p.rows)
                break;
            unit h = unit_begin(base + (row0 + r) * p.row_bytes, u, p.cols);
            for (uint g = 0u; g < UNIT_GROUPS; g++) {
                vec4 w = unit_group(h, g);
                uint col = unit_col4(u, g);
                for (uint b = 0u; b < BATCH_TILE; b++) {
                    if (b >= batch_items)
                        break;
                    acc[r * BATCH_TILE + b] += dot(w, x4(p.x_offset + (x_row0 + b) * p.x_stride, col));
                }
            }
        }
    }

    for (uint r = 0u; r < ROWS; r++) {
        for (uint b = 0u; b < BATCH_TILE; b++) {
            float total = wg_sum(acc[r * BATCH_TILE + b]);
            if (gl_LocalInvocationID.x == 0u && row0 + r < p.rows && b < batch_items) {
                uint yi = p.y_offset + (y_row0 + b) * p.y_stride + row0 + r;
                y[yi] = p.accumulate != 0u ? y[yi] + total : total;
            }
        }
    }
}
