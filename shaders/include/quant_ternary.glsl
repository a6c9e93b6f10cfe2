/* 256-element ternary types (ggml's TQ1_0, TQ2_0; values -1, 0, 1 times one scale): included by quant.glsl. */
#if defined(WEIGHT_TQ2_0)
/* {uint8 qs[64]; f16 d}: 66 bytes. Element 128n + 32j + l (l < 32) is d * (q - 1), q = bits 2j of qs[32n + l]. A
 * unit is l = 8p .. 8p + 7 of half n: 32 elements (a group loop lavapipe unrolls); group g = 2j + i is word i of its
 * bytes at shift 2j. Blocks are 2-byte aligned: 32-bit word reads. */
uint unit_col4(uint u, uint g)
{
    return (u >> 3) * 256u + ((u >> 2) & 1u) * 128u + (g >> 1) * 32u + (u & 3u) * 8u + (g & 1u) * 4u;
}

unit unit_begin(uint row, uint u, uint cols)
{
    uint blk = row + (u >> 3) * 66u;
    float d = weight_f16(blk + 64u);
    return unit(uvec4(weight_u64_in(blk + 8u * (u & 7u)), 0u, 0u), uvec4(0u), uvec4(0u), vec4(d, -d, 0.0, 0.0));
}

vec4 unit_group(unit h, uint g) { return h.s.x * bit_pairs(h.q[g & 1u], 2u * (g >> 1)) + h.s.y; }

#define WEIGHT_DECODER 1
#endif
