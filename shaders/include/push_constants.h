/* Push-constant structs, one per op, shared verbatim by GLSL and C (runtime/ops/ops_push.h includes this file
 * with `uint` mapped to uint32_t, and checks each size statically). Only 4-byte scalars, so std430 and C agree. */
#ifndef MLAVK_PUSH_CONSTANTS_H
#define MLAVK_PUSH_CONSTANTS_H

/* out[i] = a[i] + b[i] */
struct push_add {
    uint n;
};

/* y[b][offset + r] (+)= sum_c W[r][c] x[b][c]: matvec (batch 1), batched matmul, and the MoE form where batch
 * item s is a slot whose weight is expert ids[s] of a stacked tensor; a stack split into pieces takes one dispatch
 * per piece, each serving the slots whose expert it holds. Offsets and strides are in floats. */
struct push_matmul {
    uint cols;
    uint rows;
    uint batch;
    uint row_bytes;          /* bytes of one weight row */
    uint x_offset;
    uint x_stride;
    uint y_offset;
    uint y_stride;
    uint accumulate;         /* 1: add to y instead of overwriting it */
    uint expert_begin;       /* MoE: the weight binding holds experts [expert_begin, expert_end) */
    uint expert_end;
    uint expert_bytes;       /* MoE: rows * row_bytes */
    uint slots_per_x;        /* MoE: slot s reads x row s / slots_per_x (k: shared input per token, 1: own input) */
    uint ids_offset;         /* MoE: first expert id of this dispatch in the ids buffer */
};

/* MoE output of token t: out[t][i] (+)= sum_j w_j * x[t*k + j][i] with w_j = scores[t][ids[t*k + j]], divided by
 * their sum when normalize, times scale. */
struct push_moe_combine {
    uint n;
    uint k;
    uint experts;            /* scores per token */
    uint normalize;
    float scale;
    uint accumulate;
    uint x_offset;
    uint x_stride;
    uint out_offset;
    uint out_stride;
};

/* y[r][i] = x[r][i] / sqrt(mean_i(x[r][i]^2) + eps) * w[i] */
struct push_rmsnorm {
    uint n;
    float eps;
    uint x_offset;
    uint x_stride;
    uint y_offset;
    uint y_stride;
};

/* In place: for token t, head h, pair i < dims/2 at x[offset + t*token_stride + h*head_stride + 2i (+1)],
 * rotate by pos[t] * freq[i], times magnitude. */
struct push_rope {
    uint dims;
    uint heads;
    uint tokens;
    uint offset;
    uint head_stride;
    uint token_stride;
    float magnitude;
};

/* y[r][c] = softmax_c(scale * x[r][c]) over the columns row r sees (all, or c <= causal_p0 + r when causal);
 * the others are 0. */
struct push_softmax {
    uint n;
    uint rows;
    float scale;
    uint causal;
    uint causal_p0;
    uint x_offset;
    uint x_stride;
    uint y_offset;
    uint y_stride;
};

/* silu_mul: out = silu(a) * b; scale: out = alpha * a; sigmoid: out = 1 / (1 + exp(-a)). */
struct push_elementwise {
    uint n;
    float alpha;
};

/* out[out_offset + t * out_stride + 0..cols) = row ids[t] - row_begin of a weight table holding rows
 * [row_begin, row_end); tokens whose id falls outside are left untouched. */
struct push_get_rows {
    uint cols;
    uint tokens;
    uint row_bytes;
    uint row_begin;
    uint row_end;
    uint out_offset;
    uint out_stride;
};

/* Per row r of n: out[r] = index of the largest x[r][c] (lowest index on ties). */
struct push_argmax {
    uint n;
    uint x_offset;
    uint x_stride;
};

/* Per row r of n scores: the k largest, descending (lower index first on ties), as ids and values. */
struct push_topk {
    uint n;
    uint k;
    uint x_offset;
    uint x_stride;
};

#endif
