#version 450
#extension GL_GOOGLE_include_directive : require
/* y[b][r] (+)= W[r] . x[b] for ROWS rows per workgroup and BATCH_TILE batch items per workgroup, which reuse each
 * decoded weight unit. The workgroup's invocations stride over the units of a row (adjacent invocations read
 * adjacent bytes) and reduce at the end. Workgroups are numbered over x and y (a row count above 65535 groups
 * needs both); z is the batch tile.
 *
 * With MOE the batch items are MoE slots, z a slot, which reads its expert ids[ids_offset + z]. With MOE_GROUPED
 * the slots come grouped by expert (moe_group.comp) and z is a position in order[]: the workgroup at the first
 * position of each run of BATCH_TILE positions of one expert serves that run, the others end at once, so each
 * expert's weights are read once per BATCH_TILE of its slots. (A separate variant: the per-slot one, used for
 * single tokens, runs 30% slower on lavapipe with the grouped path beside it.) Slot s reads x row s / slots_per_x
 * and writes y row s. */
#include "common.glsl"

layout(constant_id = 3) const uint ROWS = 2;
layout(constant_id = 4) const uint BATCH_TILE = 1;

layout(push_constant) uniform Push { push_matmul p; };

#if defined(MOE_GROUPED)
layout(std430, binding = 1) readonly buffer Offsets { uint offsets[]; };
layout(std430, binding = 2) readonly buffer Order { uint order[]; };
#define X_BINDING 3
#define Y_BINDING 4
#elif defined(MOE)
layout(std430, binding = 1) readonly buffer Ids { uint ids[]; };
#define X_BINDING 2
#define Y_BINDING 3
#else
#define X_BINDING 1
#define Y_BINDING 2
#endif
#include "weight_product.glsl"
#include "reduce.glsl"

/* The y row of batch item i, and the x row it reads. */
#if defined(MOE_GROUPED)
uint y_row(uint i) { return order[i]; }
uint x_row(uint i) { return order[i] / p.slots_per_x; }
#elif defined(MOE)
uint y_row(uint i) { return i; }
uint x_row(uint i) { return i / p.slots_per_x; }
#else
uint y_row(uint i) { return i; }
uint x_row(uint i) { return i; }
#endif

/* Rows row0 .. row0 + ROWS of the weight at byte `base` against batch items first .. first + items. */
void product(uint row0, uint base, uint first, uint items)
{
    float acc[ROWS * BATCH_TILE];
    for (uint i = 0u; i < ROWS * BATCH_TILE; i++)
        acc[i] = 0.0;
    /* the items' x rows, looked up once (a CPU driver pays for every load) */
    uint x_at[BATCH_TILE];
    for (uint b = 0u; b < BATCH_TILE; b++)
        x_at[b] = p.x_offset + x_row(first + min(b, items - 1u)) * p.x_stride;

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
                /* a guard, not a break: the loop keeps its constant trip count (items comes from a buffer in the
                 * MoE form, and a loop leaving early on it runs 2x slower on lavapipe) */
                for (uint b = 0u; b < BATCH_TILE; b++)
                    if (b < items)
                        acc[r * BATCH_TILE + b] += dot(w, x4(x_at[b], col));
            }
        }
    }

    for (uint r = 0u; r < ROWS; r++) {
        for (uint b = 0u; b < BATCH_TILE; b++) {
            if (b < items) { /* the same for the whole workgroup: its barriers stay in uniform control flow */
                float total = wg_sum(acc[r * BATCH_TILE + b]);
                if (gl_LocalInvocationID.x == 0u && row0 + r < p.rows) {
                    uint yi = p.y_offset + y_row(first + b) * p.y_stride + row0 + r;
                    y[yi] = p.accumulate != 0u ? y[yi] + total : total;
                }
            }
        }
    }
}

void main()
{
    weight_decoder_init();
    uint row0 = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * ROWS;
    if (row0 >= p.rows)
        return;
#if defined(MOE_GROUPED)
    /* The expert of this piece whose slots hold position `at`: the last e with offsets[e] <= at. */
    uint at = gl_WorkGroupID.z, lo = p.expert_begin;
    if (at < offsets[lo] || at >= offsets[p.expert_end])
        return; /* another piece's dispatch serves this slot */
    for (uint step = MOE_GROUP_MAX_EXPERTS / 2u; step > 0u; step >>= 1u)
        if (lo + step < p.expert_end && offsets[lo + step] <= at)
            lo += step;
    if ((at - offsets[lo]) % BATCH_TILE != 0u)
        return; /* the run's first position serves it */
    product(row0, (lo - p.expert_begin) * p.expert_bytes, at, min(BATCH_TILE, offsets[lo + 1u] - at));
#elif defined(MOE)
    uint slot = gl_WorkGroupID.z, expert = ids[p.ids_offset + slot];
    if (expert < p.expert_begin || expert >= p.expert_end)
        return; /* another piece's dispatch serves this slot */
    product(row0, (expert - p.expert_begin) * p.expert_bytes, slot, 1u);
#else
    uint first = gl_WorkGroupID.z * BATCH_TILE;
    product(row0, 0u, first, min(BATCH_TILE, p.batch - first));
#endif
}
