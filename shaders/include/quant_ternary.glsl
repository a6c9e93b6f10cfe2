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
    uint blk = row + (u >> 3) * BLOCK_TQ2_0_BYTES;
    float d = weight_f16(blk + BLOCK_TQ2_0_D);
    return unit(uvec4(weight_u64(blk + BLOCK_TQ2_0_QS + 8u * (u & 7u)), 0u, 0u), uvec4(0u), uvec4(0u),
                vec4(d, -d, 0.0, 0.0));
}

vec4 unit_group(unit h, uint g) { return h.s.x * bit_pairs(h.q[g & 1u], 2u * (g >> 1)) + h.s.y; }

#define WEIGHT_DECODER 1
#elif defined(WEIGHT_TQ1_0)
/* {uint8 qs[48]; uint8 qh[4]; f16 d}: 54 bytes of base-3 digits, 5 per qs byte and 4 per qh byte: digit k of byte x
 * is ((x * 3^k) mod 256) * 3 >> 8, value d * (digit - 1). Digit k of qs[m] is element 32k + m (m < 32) or
 * 160 + 16k + m - 32; of qh[m], 240 + 4k + m. A group is digit k of 4 bytes (a word W of the block): 4 consecutive
 * elements. The 16 groups of words 3a .. 3a + 2 and digit a of qh make units 2a and 2a + 1 (32 elements: a group
 * loop lavapipe unrolls), which read the 2 words at 3a + e (e = u & 1) and qh: e = 0 takes digits 0-4 of P = 3a and
 * 0-2 of Q = 3a + 1; e = 1 digits 0-4 of P = 3a + 2, 3-4 of Q = 3a + 1 and digit a of qh. unit_col4 is branch-free
 * arithmetic: with selects the tiled kernel's x loads were not unrolled (2x slower there). */
uint unit_col4(uint u, uint g)
{
    uint a = (u >> 1) & 3u, e = u & 1u;
    uint word = g < 5u ? 3u * a + 2u * e : 3u * a + 1u, digit = g < 5u ? g : g - 5u + 3u * e;
    uint second = word >> 3; /* word of qs[32..47] */
    uint col = 4u * word + (32u - 16u * second) * digit + 128u * second;
    return (u >> 3) * 256u + mix(col, 240u + 4u * a, g == 7u && e == 1u);
}

/* q: the even and odd bytes of P then Q in 16-bit lanes, q2: those of the last group's word (Q or qh), then the
 * multipliers 3^k of groups 5 and 7; s: d, -d. */
unit unit_begin(uint row, uint u, uint cols)
{
    uint blk = row + (u >> 3) * BLOCK_TQ1_0_BYTES;
    uint a = (u >> 1) & 3u, e = u & 1u;
    uvec2 pq = weight_u64(blk + BLOCK_TQ1_0_QS + 12u * a + 4u * e);
    pq = e == 0u ? pq : pq.yx;
    /* qh and d, which follows it: the 2 words from qh's first byte, or from 2 bytes before when blk is not 4-aligned
     * (weight_u64 reads 3) */
    uint i = (blk + BLOCK_TQ1_0_QH) >> 2, w0 = weight_word(i), w1 = weight_word(i + 1u);
    bool odd = (blk & 2u) != 0u;
    uint qh = odd ? (w0 >> 16) | (w1 << 16) : w0;
    float d = unpackHalf2x16(odd ? w1 >> 16 : w1).x;
    uvec3 words = uvec3(pq, e == 0u ? pq.y : qh);
    uvec3 even = words & 0x00ff00ffu, high = (words >> 8) & 0x00ff00ffu;
    uint last = e == 0u ? 9u : (0x1b090301u >> (8u * a)) & 0xffu; /* 3^a */
    return unit(uvec4(even.x, high.x, even.y, high.y), uvec4(even.z, high.z, e == 0u ? 1u : 27u, last), uvec4(0u),
                vec4(d, -d, 0.0, 0.0));
}

/* Two bytes per 32-bit multiply: x * 3^k < 2^16 stays in its 16-bit lane. */
vec4 unit_group(unit h, uint g)
{
    uvec2 w = g < 5u ? h.q.xy : g < 7u ? h.q.zw : h.q2.xy;
    uint m = g < 5u ? uint[](1u, 3u, 9u, 27u, 81u)[g] : g == 5u ? h.q2.z : g == 6u ? 3u * h.q2.z : h.q2.w;
    uvec2 t = (((w * m) & 0x00ff00ffu) * 3u) >> 8;
    return h.s.x * vec4(t.x & 3u, t.y & 3u, t.x >> 16, t.y >> 16) + h.s.y;
}

#define WEIGHT_DECODER 1
#endif
