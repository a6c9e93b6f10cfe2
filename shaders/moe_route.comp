#version 450
#extension GL_GOOGLE_include_directive : require
/* MoE gate for one token per workgroup of one invocation per expert (experts <= MOE_ROUTE_MAX_EXPERTS):
 *   s = softmax(z) or sigmoid(z);  s_sel = s + bias (V3) or s
 *   groups: score each group (sum of its top-2 s_sel, or the max of s for V2), keep the best n_groups_used
 *   ids = top-k of s_sel over kept experts (ties to the lower id); w = s[ids], normalised if asked, scaled.
 * The ids stay on the device and drive the expert products. */
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Logits { float logits[]; };      /* [n_tokens][n_experts] */
layout(std430, binding = 1) readonly buffer Bias { float bias[]; };          /* [n_experts], read if flagged */
layout(std430, binding = 2) writeonly buffer Ids { uint ids[]; };           /* [n_tokens][n_used] */
layout(std430, binding = 3) writeonly buffer Weights { float weights[]; };  /* [n_tokens][n_used] */
layout(push_constant) uniform Push { push_moe_route p; };

const uint MAX_EXPERTS = MOE_ROUTE_MAX_EXPERTS; /* also the workgroup size: one invocation per expert */
const uint MAX_GROUPS = MOE_ROUTE_MAX_GROUPS;
const float NEG_INF = -1.0 / 0.0;

shared float scores[MAX_EXPERTS];
shared float selection[MAX_EXPERTS];
shared float group_score[MAX_GROUPS];
shared bool group_kept[MAX_GROUPS];
shared float reduce_value[MAX_EXPERTS];
shared uint reduce_index[MAX_EXPERTS];

/* Index of the largest value over the workgroup (each thread offers one); ties go to the lower index. */
uint workgroup_argmax(float value, uint index)
{
    uint lid = gl_LocalInvocationID.x;
    reduce_value[lid] = value;
    reduce_index[lid] = index;
    barrier();
    for (uint stride = MAX_EXPERTS / 2u; stride > 0u; stride >>= 1) {
        if (lid < stride) {
            float v = reduce_value[lid + stride];
            uint i = reduce_index[lid + stride];
            if (v > reduce_value[lid] || (v == reduce_value[lid] && i < reduce_index[lid])) {
                reduce_value[lid] = v;
                reduce_index[lid] = i;
            }
        }
        barrier();
    }
    uint best = reduce_index[0];
    barrier();
    return best;
}

/* Sum (or max) over the workgroup, each thread offering one value. */
float workgroup_reduce(float value, bool take_max)
{
    uint lid = gl_LocalInvocationID.x;
    reduce_value[lid] = value;
    barrier();
    for (uint stride = MAX_EXPERTS / 2u; stride > 0u; stride >>= 1) {
        if (lid < stride) {
            float other = reduce_value[lid + stride];
            reduce_value[lid] = take_max ? max(reduce_value[lid], other) : reduce_value[lid] + other;
        }
        barrier();
    }
    float result = reduce_value[0];
    barrier();
    return result;
}

void compute_scores(uint token, uint e)
{
    float z = e < p.n_experts ? logits[token * p.n_experts + e] : NEG_INF;
    float s;
    if ((p.flags & MOE_ROUTE_SIGMOID) != 0u) {
        s = e < p.n_experts ? 1.0 / (1.0 + exp(-z)) : 0.0;
    } else {
        float max_z = workgroup_reduce(z, true);
        float ez = e < p.n_experts ? exp(z - max_z) : 0.0;
        s = ez / workgroup_reduce(ez, false);
    }
    if (e < p.n_experts) {
        scores[e] = s;
        selection[e] = s + ((p.flags & MOE_ROUTE_BIAS) != 0u ? bias[e] : 0.0);
    }
    barrier();
}

/* Marks the groups whose experts may be chosen. */
void choose_groups(uint e)
{
    uint per_group = p.n_experts / p.n_groups;
    if (e < p.n_groups) {
        float first = NEG_INF, second = NEG_INF;
        for (uint i = e * per_group; i < (e + 1u) * per_group; i++) {
            float v = (p.flags & MOE_ROUTE_GROUP_MAX) != 0u ? scores[i] : selection[i];
            if (v > first) {
                second = first;
                first = v;
            } else if (v > second) {
                second = v;
            }
        }
        group_score[e] = (p.flags & MOE_ROUTE_GROUP_MAX) != 0u ? first : first + second;
        group_kept[e] = false;
    }
    barrier();
    for (uint round = 0; round < p.n_groups_used; round++) {
        float offered = (e < p.n_groups && !group_kept[e]) ? group_score[e] : NEG_INF;
        uint best = workgroup_argmax(offered, e);
        if (e == 0u)
            group_kept[best] = true;
        barrier();
    }
}

void main()
{
    uint token = gl_WorkGroupID.x, e = gl_LocalInvocationID.x;
    compute_scores(token, e);
    bool allowed = e < p.n_experts;
    if (p.n_groups > 1u) {
        choose_groups(e);
        allowed = allowed && group_kept[e / (p.n_experts / p.n_groups)];
    }
    float chosen_sum = 0.0;
    float chosen_weight = 0.0;
    uint my_slot = 0xffffffffu;
    for (uint slot = 0; slot < p.n_used; slot++) {
        uint best = workgroup_argmax(allowed ? selection[e] : NEG_INF, e);
        chosen_sum += scores[best];
        if (e == best) {
            allowed = false;
            my_slot = slot;
            chosen_weight = scores[e];
        }
    }
    if (my_slot != 0xffffffffu) {
        float w = (p.flags & MOE_ROUTE_NORMALIZE) != 0u ? chosen_weight / chosen_sum : chosen_weight;
        ids[token * p.n_used + my_slot] = e;
        weights[token * p.n_used + my_slot] = w * p.routed_scale;
    }
}
