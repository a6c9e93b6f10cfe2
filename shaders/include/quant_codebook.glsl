/* 4-bit codebook types, whose nibbles index a table of 16 values: included by quant.glsl. */
#if defined(WEIGHT_IQ4_NL) || defined(WEIGHT_IQ4_XS)
/* The codebook values of the nibbles at bit shift of each byte of q. ggml's kvalues_iq4nl (ggml-common.h: -127,
 * -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113) lie within 0.435 of this quartic in the code
 * (a minimax fit), so rounding it gives them exactly. On lavapipe a lookup is slower: a constant array is read from
 * memory (5x Q4_0's matvec time), and selects take enough operations that the tiled kernel at 3 items passes the
 * size where it gets 3-4x slower (this passes it at 4 items: IQ4_NL and IQ4_XS take 3, at 1.2x Q4_0's time). */
vec4 iq4nl_values(uint q, uint shift)
{
    vec4 n = vec4((uvec4(q) >> (uvec4(0u, 8u, 16u, 24u) + shift)) & 15u);
    return round((((1.58604e-3 * n + 3.10864e-2) * n - 1.37193) * n + 24.1738) * n - 126.567);
}
#endif

#if defined(WEIGHT_IQ4_NL)
/* {f16 d; uint8 qs[16]}: 18 bytes at any even address, nibbles ordered as in Q4_0; value d * codebook[q]. The
 * block lies in the 5 words from its first byte's word: d in the first, qs (2 bytes past a word boundary of the
 * block: dequant_blocks.h checks what this decoder assumes) straddling words when the block starts on a word
 * boundary, on word boundaries otherwise. */
uint unit_col4(uint u, uint g) { return u * 32u + g * 4u; }
unit unit_begin(uint row, uint u, uint cols)
{
    uint b = row + u * BLOCK_IQ4_NL_BYTES, i = b >> 2;
    uint w0 = weight_word(i);
    uvec4 next = uvec4(weight_word(i + 1u), weight_word(i + 2u), weight_word(i + 3u), weight_word(i + 4u));
    bool word_aligned = (b & 2u) == 0u;
    uvec4 qs = word_aligned ? (uvec4(w0, next.xyz) >> 16) | (next << 16) : next;
    return unit(qs, uvec4(0u), uvec4(0u), vec4(unpackHalf2x16(word_aligned ? w0 : w0 >> 16).x));
}

#define WEIGHT_DECODER 1
#elif defined(WEIGHT_IQ4_XS)
/* {f16 d; uint16 scales_h; uint8 scales_l[4]; uint8 qs[128]}: 136 bytes, so blocks start on 8-byte boundaries; 8
 * sub-blocks of 32, IQ4_NL's nibble order in qs[16 ib ..], value d * (ls - 32) * codebook[q] with the 6-bit ls of
 * sub-block ib: nibble ib of scales_l (little-endian word) topped by bits 2 ib, 2 ib + 1 of scales_h. A unit is a
 * sub-block. */
uint unit_col4(uint u, uint g) { return u * 32u + g * 4u; }
unit unit_begin(uint row, uint u, uint cols)
{
    uint i = (row + (u >> 3) * BLOCK_IQ4_XS_BYTES) >> 2, ib = u & 7u, q = i + BLOCK_IQ4_XS_QS_WORD + 4u * ib;
    uint head = weight_word(i + BLOCK_IQ4_XS_D_WORD), scales_l = weight_word(i + BLOCK_IQ4_XS_SCALES_L_WORD);
    uvec4 qs = uvec4(weight_word(q), weight_word(q + 1u), weight_word(q + 2u), weight_word(q + 3u));
    uint ls = bitfieldExtract(scales_l, int(4u * ib), 4) | bitfieldExtract(head, int(16u + 2u * ib), 2) << 4;
    return unit(qs, uvec4(0u), uvec4(0u), vec4(unpackHalf2x16(head).x * (float(ls) - 32.0)));
}

#define WEIGHT_DECODER 1
#elif defined(WEIGHT_MXFP4)
/* {uint8 e; uint8 qs[16]}: 17 bytes at any address, nibbles ordered as in Q4_0; each an FP4 E2M1 code (sign, 2-bit
 * exponent, 1-bit mantissa) scaled by the E8M0 2^(e - 127). The block lies in the 5 words from its first byte's
 * word; e is its first byte, and qs, which follows, starts 8 + sh bits into it (sh = 8 * (b % 4) <= 24, so no shift
 * reaches 32; dequant_blocks.h checks what this decoder assumes). */
uint unit_col4(uint u, uint g) { return u * 32u + g * 4u; }
unit unit_begin(uint row, uint u, uint cols)
{
    uint b = row + u * BLOCK_MXFP4_BYTES, i = b >> 2, sh = (b & 3u) * 8u;
    uint w0 = weight_word(i);
    uvec4 next = uvec4(weight_word(i + 1u), weight_word(i + 2u), weight_word(i + 3u), weight_word(i + 4u));
    uvec4 qs = ((uvec4(w0, next.xyz) >> 8) >> sh) | (next << (24u - sh));
    /* Half the scale, 2^(e - 128), for the doubled magnitudes of mxfp4_values: the float with exponent field e - 1
     * (e < 2 would be denormal: 0, off by at most 12 * 2^-127). */
    uint e = bitfieldExtract(w0, int(sh), 8);
    return unit(qs, uvec4(0u), uvec4(0u), vec4(uintBitsToFloat((max(e, 1u) - 1u) << 23)));
}

/* Doubled E2M1 magnitudes 0, 1, 2, 3, 4, 6, 8, 12 (ggml's kvalues_mxfp4) as the nibbles of one word, indexed by the
 * code's low 3 bits; its bit 3 is the sign. */
vec4 mxfp4_values(uint q, uint shift)
{
    uvec4 n = (uvec4(q) >> (uvec4(0u, 8u, 16u, 24u) + shift)) & 15u;
    uvec4 magnitude = (uvec4(0xc8643210u) >> ((n & 7u) * 4u)) & 15u;
    return uintBitsToFloat(floatBitsToUint(vec4(magnitude)) | (n & 8u) << 28);
}
vec4 unit_group(unit h, uint g) { return h.s.x * mxfp4_values(h.q[g & 3u], g < 4u ? 0u : 4u); }

#define WEIGHT_DECODER 1
#endif

#if defined(WEIGHT_IQ4_NL) || defined(WEIGHT_IQ4_XS)
vec4 unit_group(unit h, uint g) { return h.s.x * iq4nl_values(h.q[g & 3u], g < 4u ? 0u : 4u); }
#endif
