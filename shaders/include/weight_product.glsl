/* The bindings and reads shared by the weight-product kernels (matmul.comp, gemm.comp): the weight as raw words at
 * binding 0 decoded by quant.glsl, F32 rows x at X_BINDING and y at Y_BINDING (defined by the includer, after the
 * push constants `p` of type push_matmul). */
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
