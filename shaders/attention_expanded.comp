#version 450
#extension GL_GOOGLE_include_directive : require
/* Causal multi-head attention with keys and values expanded per head from the latent cache: the prefill form
 * that costs less than the absorbed one when a batch is large (see ops_attention_expanded).
 *
 * A workgroup takes TOKENS tokens of the batch for one head, so each tile of that head's keys and values is read
 * once for all of them:
 *   scores  S[t][b] = scale * ([q_nope | q_pe][b] . [k_nope | k_pe][t])   a small matrix product via shared memory
 *   output  O[b]    = sum_t softmax(S)[t][b] v[t]                         online softmax over the tiles
 * The whole sequence is one pass (no splits), so the output is normalised here. */
#include "common.glsl"

/* Sizes shared with the host (push_constants.h), and this shader's own K_STEP. */
const uint LOCAL_SIZE = ATTENTION_EXPANDED_LOCAL_SIZE;               /* the workgroup size */
const uint TOKENS = ATTENTION_EXPANDED_TOKENS;                       /* batch tokens per workgroup */
const uint TILE = ATTENTION_EXPANDED_TILE;                           /* keys per tile */
const uint K_STEP = 64;                                              /* key columns per shared-memory step */
const uint VALUE_THREADS = ATTENTION_EXPANDED_VALUE_THREADS;         /* threads per value column group */
const uint MAX_DIMS = ATTENTION_EXPANDED_MAX_VALUE / VALUE_THREADS;  /* value columns per thread */
const uint TOKENS_PER_HALF = TOKENS / (LOCAL_SIZE / VALUE_THREADS);

layout(std430, binding = 0) readonly buffer Query { float query[]; };
layout(std430, binding = 1) readonly buffer Keys { float keys[]; };
layout(std430, binding = 2) readonly buffer KeyRope { float key_rope[]; };
layout(std430, binding = 3) readonly buffer Values { float values[]; };
layout(std430, binding = 4) readonly buffer Positions { uint positions[]; };  /* [token] */
layout(std430, binding = 5) writeonly buffer Out { float out_rows[]; };
layout(push_constant) uniform Push { push_attention_expanded p; };

shared float keys_tile[TILE][K_STEP + 1];
shared float query_tile[TOKENS][K_STEP + 1];
shared float probs[TILE][TOKENS];
shared float rescale[TOKENS];
shared float running_max[TOKENS];
shared float running_sum[TOKENS];

uint keys_visible(uint token) { return positions[token] + 1u; }

float key_value(uint t, uint head, uint col)
{
    if (col < p.nope_dim)
        return keys[p.key_offset + t * p.key_stride + head * p.nope_dim + col];
    return key_rope[p.rope_offset + t * p.rope_stride + col - p.nope_dim];
}

/* S for this thread's two (key, token) pairs of a tile. */
void tile_scores(uint tile_start, uint n_keys, uint b_base, uint head, out float s0, out float s1)
{
    uint lid = gl_LocalInvocationID.x;
    uint t = lid % TILE, b = (lid / TILE) * 2u;
    uint key_dim = p.nope_dim + p.rope_dim;
    s0 = 0.0;
    s1 = 0.0;
    for (uint k0 = 0; k0 < key_dim; k0 += K_STEP) {
        for (uint i = lid; i < TILE * K_STEP; i += LOCAL_SIZE) {
            uint r = i / K_STEP, c = i % K_STEP, key = tile_start + r, col = k0 + c;
            keys_tile[r][c] = (key < n_keys && col < key_dim) ? key_value(key, head, col) : 0.0;
        }
        for (uint i = lid; i < TOKENS * K_STEP; i += LOCAL_SIZE) {
            uint r = i / K_STEP, c = i % K_STEP, token = b_base + r, col = k0 + c;
            query_tile[r][c] = (token < p.n_tokens && col < key_dim)
                                   ? query[p.query_offset + token * p.query_stride + head * key_dim + col]
                                   : 0.0;
        }
        barrier();
        for (uint c = 0; c < K_STEP; c++) {
            s0 += keys_tile[t][c] * query_tile[b][c];
            s1 += keys_tile[t][c] * query_tile[b + 1u][c];
        }
        barrier();
    }
}

void main()
{
    uint lid = gl_LocalInvocationID.x;
    uint b_base = gl_WorkGroupID.x * TOKENS, head = gl_WorkGroupID.y;
    uint n_keys = 0u;
    for (uint b = b_base; b < min(b_base + TOKENS, p.n_tokens); b++)
        n_keys = max(n_keys, keys_visible(b));
    /* the value phase: threads [half * VALUE_THREADS, ...) serve tokens [half * TOKENS_PER_HALF, ...) */
    uint half_id = lid / VALUE_THREADS, lane = lid % VALUE_THREADS;

    if (lid < TOKENS) {
        running_max[lid] = -1.0 / 0.0;
        running_sum[lid] = 0.0;
    }
    float acc[TOKENS_PER_HALF][MAX_DIMS];
    for (uint b = 0; b < TOKENS_PER_HALF; b++)
        for (uint d = 0; d < MAX_DIMS; d++)
            acc[b][d] = 0.0;
    barrier();

    for (uint tile_start = 0; tile_start < n_keys; tile_start += TILE) {
        float s0, s1;
        tile_scores(tile_start, n_keys, b_base, head, s0, s1);
        uint t = lid % TILE, b = (lid / TILE) * 2u, key = tile_start + t;
        /* causal: token b sees keys up to its own position; tokens past the batch see key 0 only (unused) */
        probs[t][b] = key < keys_visible(min(b_base + b, p.n_tokens - 1u)) ? s0 * p.scale : -1.0 / 0.0;
        probs[t][b + 1u] = key < keys_visible(min(b_base + b + 1u, p.n_tokens - 1u)) ? s1 * p.scale : -1.0 / 0.0;
        barrier();
        if (lid < TOKENS) { /* online softmax update for one token; key 0 is always visible, so max is finite */
            float tile_max = -1.0 / 0.0;
            for (uint r = 0; r < TILE; r++)
                tile_max = max(tile_max, probs[r][lid]);
            float new_max = max(running_max[lid], tile_max);
            float factor = exp(running_max[lid] - new_max);
            float sum = running_sum[lid] * factor;
            for (uint r = 0; r < TILE; r++) {
                float e = exp(probs[r][lid] - new_max);
                probs[r][lid] = e;
                sum += e;
            }
            running_max[lid] = new_max;
            running_sum[lid] = sum;
            rescale[lid] = factor;
        }
        barrier();
        for (uint d = 0; d < MAX_DIMS; d++) {
            uint col = lane + d * VALUE_THREADS;
            if (col >= p.value_dim)
                break;
            for (uint bb = 0; bb < TOKENS_PER_HALF; bb++)
                acc[bb][d] *= rescale[half_id * TOKENS_PER_HALF + bb];
            for (uint r = 0; r < TILE && tile_start + r < n_keys; r++) {
                float v = values[p.value_offset + (tile_start + r) * p.value_stride + head * p.value_dim + col];
                for (uint bb = 0; bb < TOKENS_PER_HALF; bb++)
                    acc[bb][d] += probs[r][half_id * TOKENS_PER_HALF + bb] * v;
            }
        }
        barrier();
    }

    for (uint bb = 0; bb < TOKENS_PER_HALF; bb++) {
        uint token = b_base + half_id * TOKENS_PER_HALF + bb;
        if (token >= p.n_tokens)
            break;
        float inv_sum = 1.0 / running_sum[half_id * TOKENS_PER_HALF + bb];
        for (uint d = 0; d < MAX_DIMS; d++) {
            uint col = lane + d * VALUE_THREADS;
            if (col < p.value_dim)
                out_rows[p.out_offset + token * p.out_stride + head * p.value_dim + col] = acc[bb][d] * inv_sum;
        }
    }
}
