/* 32-element block types (ggml's "legacy" quants): included by quant.glsl. */
#if defined(WEIGHT_Q8_0)
/* {f16 d; int8 qs[32]}: 34 bytes, 2-byte aligned. */
uint unit_col4(uint u, uint g) { return u * 32u + g * 4u; }
unit unit_begin(uint row, uint u, uint cols)
{
    uint b = row + u * BLOCK_Q8_0_BYTES;
    return unit(weight_u128(b + BLOCK_Q8_0_QS), weight_u128(b + (BLOCK_Q8_0_QS + 16u)), uvec4(0u),
                vec4(weight_f16(b + BLOCK_Q8_0_D)));
}
vec4 unit_group(unit h, uint g)
{
    uint q = g < 4u ? h.q[g] : h.q2[g & 3u];
    return h.s.x * vec4(sbyte(q, 0u), sbyte(q, 1u), sbyte(q, 2u), sbyte(q, 3u));
}

#define WEIGHT_DECODER 1
#elif defined(WEIGHT_Q4_0)
/* {f16 d; uint8 qs[16]}: 18 bytes; low nibbles are elements 0-15, high nibbles 16-31, value (q - 8) * d. Group g
 * takes the low (g < 4) or high nibbles of word g % 4: columns 4g .. 4g+3 either way. */
uint unit_col4(uint u, uint g) { return u * 32u + g * 4u; }
unit unit_begin(uint row, uint u, uint cols)
{
    uint b = row + u * BLOCK_Q4_0_BYTES;
    return unit(weight_u128(b + BLOCK_Q4_0_QS), uvec4(0u), uvec4(0u), vec4(weight_f16(b + BLOCK_Q4_0_D)));
}
vec4 unit_group(unit h, uint g) { return h.s.x * (nibbles(h.q[g & 3u], g < 4u ? 0u : 4u) - 8.0); }

#define WEIGHT_DECODER 1
#elif defined(WEIGHT_Q5_0)
/* {f16 d; uint8 qh[4]; uint8 qs[16]}: 22 bytes at any even address; value d * (q - 16), q's low 4 bits as in Q4_0
 * and, for element e, its 5th bit bit e of qh. The block lies in the 6 words from its first byte's word: d in the
 * first, qh and qs (2 bytes past word boundaries of the block, one after the other: dequant_blocks.h checks what
 * this decoder assumes) straddle words when the block starts on a word boundary, and start on one otherwise. */
uint unit_col4(uint u, uint g) { return u * 32u + g * 4u; }
unit unit_begin(uint row, uint u, uint cols)
{
    uint b = row + u * BLOCK_Q5_0_BYTES, i = b >> 2;
    uint w0 = weight_word(i), w1 = weight_word(i + 1u);
    uvec4 next = uvec4(weight_word(i + 2u), weight_word(i + 3u), weight_word(i + 4u), weight_word(i + 5u));
    bool word_aligned = (b & 2u) == 0u;
    uvec4 qs = word_aligned ? (uvec4(w1, next.xyz) >> 16) | (next << 16) : next;
    uint qh = word_aligned ? (w0 >> 16) | (w1 << 16) : w1;
    float d = unpackHalf2x16(word_aligned ? w0 : w0 >> 16).x;
    return unit(qs, uvec4(0u), uvec4(qh), vec4(d, -16.0 * d, 0.0, 0.0));
}
#define WEIGHT_Q5_LAYOUT 1

#define WEIGHT_DECODER 1
#elif defined(WEIGHT_Q5_1)
/* {f16 d; f16 m; uint8 qh[4]; uint8 qs[16]}: 24 bytes, so blocks start on word boundaries; value d * q + m, q as in
 * Q5_0. */
uint unit_col4(uint u, uint g) { return u * 32u + g * 4u; }
unit unit_begin(uint row, uint u, uint cols)
{
    uint i = (row + u * BLOCK_Q5_1_BYTES) >> 2;
    uvec4 qs = uvec4(weight_word(i + BLOCK_Q5_1_QS_WORD), weight_word(i + (BLOCK_Q5_1_QS_WORD + 1u)),
                     weight_word(i + (BLOCK_Q5_1_QS_WORD + 2u)), weight_word(i + (BLOCK_Q5_1_QS_WORD + 3u)));
    return unit(qs, uvec4(0u), uvec4(weight_word(i + BLOCK_Q5_1_QH_WORD)),
                vec4(unpackHalf2x16(weight_word(i + BLOCK_Q5_1_DM_WORD)), 0.0, 0.0));
}
#define WEIGHT_Q5_LAYOUT 1

#define WEIGHT_DECODER 1
#elif defined(WEIGHT_Q4_1)
/* {f16 d; f16 m; uint8 qs[16]}: 20 bytes, so blocks start on word boundaries; value d * q + m, q as in Q4_0. */
uint unit_col4(uint u, uint g) { return u * 32u + g * 4u; }
unit unit_begin(uint row, uint u, uint cols)
{
    uint i = (row + u * BLOCK_Q4_1_BYTES) >> 2;
    uvec4 qs = uvec4(weight_word(i + BLOCK_Q4_1_QS_WORD), weight_word(i + (BLOCK_Q4_1_QS_WORD + 1u)),
                     weight_word(i + (BLOCK_Q4_1_QS_WORD + 2u)), weight_word(i + (BLOCK_Q4_1_QS_WORD + 3u)));
    return unit(qs, uvec4(0u), uvec4(0u), vec4(unpackHalf2x16(weight_word(i + BLOCK_Q4_1_DM_WORD)), 0.0, 0.0));
}
vec4 unit_group(unit h, uint g) { return h.s.x * nibbles(h.q[g & 3u], g < 4u ? 0u : 4u) + h.s.y; }

#define WEIGHT_DECODER 1
#endif

#if defined(WEIGHT_Q5_LAYOUT)
/* Group g's 5-bit quants: nibbles of qs word g % 4 (low for g < 4), topped by qh bits 4g .. 4g+3, one per byte
 * (multiplying a 4-bit value by 0x00204081 adds it shifted by 0, 7, 14 and 21: bit k lands on bit 8k, no carries),
 * then s.x * q + s.y. */
vec4 unit_group(unit h, uint g)
{
    uint low = (h.q[g & 3u] >> (g < 4u ? 0u : 4u)) & 0x0f0f0f0fu;
    uint high = ((bitfieldExtract(h.qh.x, int(4u * g), 4) * 0x00204081u) & 0x01010101u) << 4;
    uvec4 q = (uvec4(low | high) >> uvec4(0u, 8u, 16u, 24u)) & 0xffu;
    return h.s.x * vec4(q) + h.s.y;
}
#endif
