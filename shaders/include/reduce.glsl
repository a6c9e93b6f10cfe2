/* Workgroup-wide reductions; every invocation gets the result. Call from uniform control flow only.
 * REDUCE_SUBGROUP: the host makes each workgroup exactly one full subgroup (vk_pipeline_desc.full_subgroups), so
 * subgroup arithmetic alone reduces it: no shared memory and no barriers, which CPU drivers such as lavapipe
 * pay dearly for. Otherwise a shared-memory tree, which needs a power-of-two workgroup size. */
#ifdef REDUCE_SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#define DEFINE_REDUCE(name, T, scratch, subgroup_op, combine, identity) \
    T name(T v) { return subgroup_op(v); }
#else
shared float reduce_scratch[gl_WorkGroupSize.x];
shared uint reduce_scratch_u[gl_WorkGroupSize.x];
#define DEFINE_REDUCE(name, T, scratch, subgroup_op, combine, identity)   \
    T name(T v)                                                           \
    {                                                                     \
        uint lid = gl_LocalInvocationID.x;                                \
        scratch[lid] = v;                                                 \
        barrier();                                                        \
        for (uint half_size = gl_WorkGroupSize.x / 2u; half_size > 0u; half_size >>= 1) { \
            if (lid < half_size)                                          \
                scratch[lid] = combine(scratch[lid], scratch[lid + half_size]); \
            barrier();                                                    \
        }                                                                 \
        T total = scratch[0];                                             \
        barrier();                                                        \
        return total;                                                     \
    }
#endif

float reduce_add_f(float a, float b) { return a + b; }

DEFINE_REDUCE(wg_sum, float, reduce_scratch, subgroupAdd, reduce_add_f, 0.0)
DEFINE_REDUCE(wg_max, float, reduce_scratch, subgroupMax, max, uintBitsToFloat(0xff800000u))
DEFINE_REDUCE(wg_min_u, uint, reduce_scratch_u, subgroupMin, min, 0xffffffffu)
