/* 256-element super-blocks of 3-bit codebook entries (ggml's IQ3_XXS, IQ3_S): included by quant.glsl. A
 * super-block has 8 sub-blocks of 32 values, each with one scale; each group of 4 values is one codebook entry (4
 * magnitudes) with 4 sign bits. A unit is one sub-block: its 8 entry indices in q.xy (byte g for group g), its 32
 * sign bits in q.z (bit 4g + j for value j of group g).
 *
 * The codebooks are ggml's (ggml/src/ggml-common.h, MIT; runtime/formats/iq3_grids.h has them as ggml writes them).
 * They are private arrays, not `const` ones: glslang copies a `const` array into a function variable wherever it
 * is indexed, and lavapipe refills that copy at each use (matvec 25x slower, seconds more to compile); a private
 * array is filled once per invocation. Its compile time on lavapipe grows fast with its size (128 words: +0.3 s
 * per pipeline, 256: +1 s, 1024: +25 s). */
#if defined(WEIGHT_IQ3_XXS)
uint unit_col4(uint u, uint g) { return u * 32u + g * 4u; }

/* The 8 bytes at an even byte address. */
uvec2 iq3_u64(uint b)
{
    uint i = b >> 2;
    uvec3 w = uvec3(weight_word(i), weight_word_clamped(i + 1u), weight_word_clamped(i + 2u));
    return (b & 2u) == 0u ? w.xy : (w.xy >> 16) | (w.yz << 16);
}

/* v with the sign of value j flipped where bit j of signs is set. */
vec4 iq3_signed(vec4 v, uint signs)
{
    uvec4 flip = (uvec4(signs) << uvec4(31u, 30u, 29u, 28u)) & 0x80000000u;
    return uintBitsToFloat(floatBitsToUint(v) ^ flip);
}
#endif

#if defined(WEIGHT_IQ3_XXS)
/* {f16 d; uint8 qs[64]; uint32 aux[8]}: 98 bytes. Sub-block i: entry indices qs[8i..8i+7]; aux[i] holds the scale
 * (d * (2 * (aux >> 28) + 1) / 4) and, in bits 7l .. 7l+6, the first 7 sign bits of values 8l .. 8l+7, whose 8th
 * sign bit makes the count of set bits even. ggml's iq3xxs_grid as is: magnitude j in byte j of an entry. (Packed
 * as 3-bit levels it would be half the size, but decoding its magnitudes (4, 12, .. 52, 62) takes more operations
 * per value, which pushes the tiled product (gemm.comp) past what the shader compiler unrolls: 3.5x slower.) */
uint iq3xxs_grid[256] = uint[](
    0x04040404u, 0x04040414u, 0x04040424u, 0x04040c0cu, 0x04040c1cu, 0x04040c3eu, 0x04041404u, 0x04041414u,
    0x04041c0cu, 0x04042414u, 0x04043e1cu, 0x04043e2cu, 0x040c040cu, 0x040c041cu, 0x040c0c04u, 0x040c0c14u,
    0x040c140cu, 0x040c142cu, 0x040c1c04u, 0x040c1c14u, 0x040c240cu, 0x040c2c24u, 0x040c3e04u, 0x04140404u,
    0x04140414u, 0x04140424u, 0x04140c0cu, 0x04141404u, 0x04141414u, 0x04141c0cu, 0x04141c1cu, 0x04141c3eu,
    0x04142c0cu, 0x04142c3eu, 0x04143e2cu, 0x041c040cu, 0x041c043eu, 0x041c0c04u, 0x041c0c14u, 0x041c142cu,
    0x041c3e04u, 0x04240c1cu, 0x04241c3eu, 0x04242424u, 0x04242c3eu, 0x04243e1cu, 0x04243e2cu, 0x042c040cu,
    0x042c043eu, 0x042c1c14u, 0x042c2c14u, 0x04341c2cu, 0x04343424u, 0x043e0c04u, 0x043e0c24u, 0x043e0c34u,
    0x043e241cu, 0x043e340cu, 0x0c04040cu, 0x0c04041cu, 0x0c040c04u, 0x0c040c14u, 0x0c04140cu, 0x0c04141cu,
    0x0c041c04u, 0x0c041c14u, 0x0c041c24u, 0x0c04243eu, 0x0c042c04u, 0x0c0c0404u, 0x0c0c0414u, 0x0c0c0c0cu,
    0x0c0c1404u, 0x0c0c1414u, 0x0c14040cu, 0x0c14041cu, 0x0c140c04u, 0x0c140c14u, 0x0c14140cu, 0x0c141c04u,
    0x0c143e14u, 0x0c1c0404u, 0x0c1c0414u, 0x0c1c1404u, 0x0c1c1c0cu, 0x0c1c2434u, 0x0c1c3434u, 0x0c24040cu,
    0x0c24042cu, 0x0c242c04u, 0x0c2c1404u, 0x0c2c1424u, 0x0c2c2434u, 0x0c2c3e0cu, 0x0c34042cu, 0x0c3e1414u,
    0x0c3e2404u, 0x14040404u, 0x14040414u, 0x14040c0cu, 0x14040c1cu, 0x14041404u, 0x14041414u, 0x14041434u,
    0x14041c0cu, 0x14042414u, 0x140c040cu, 0x140c041cu, 0x140c042cu, 0x140c0c04u, 0x140c0c14u, 0x140c140cu,
    0x140c1c04u, 0x140c341cu, 0x140c343eu, 0x140c3e04u, 0x14140404u, 0x14140414u, 0x14140c0cu, 0x14140c3eu,
    0x14141404u, 0x14141414u, 0x14141c3eu, 0x14142404u, 0x14142c2cu, 0x141c040cu, 0x141c0c04u, 0x141c0c24u,
    0x141c3e04u, 0x141c3e24u, 0x14241c2cu, 0x14242c1cu, 0x142c041cu, 0x142c143eu, 0x142c240cu, 0x142c3e24u,
    0x143e040cu, 0x143e041cu, 0x143e0c34u, 0x143e242cu, 0x1c04040cu, 0x1c040c04u, 0x1c040c14u, 0x1c04140cu,
    0x1c04141cu, 0x1c042c04u, 0x1c04342cu, 0x1c043e14u, 0x1c0c0404u, 0x1c0c0414u, 0x1c0c1404u, 0x1c0c1c0cu,
    0x1c0c2424u, 0x1c0c2434u, 0x1c14040cu, 0x1c14041cu, 0x1c140c04u, 0x1c14142cu, 0x1c142c14u, 0x1c143e14u,
    0x1c1c0c0cu, 0x1c1c1c1cu, 0x1c241c04u, 0x1c24243eu, 0x1c243e14u, 0x1c2c0404u, 0x1c2c0434u, 0x1c2c1414u,
    0x1c2c2c2cu, 0x1c340c24u, 0x1c341c34u, 0x1c34341cu, 0x1c3e1c1cu, 0x1c3e3404u, 0x24040424u, 0x24040c3eu,
    0x24041c2cu, 0x24041c3eu, 0x24042c1cu, 0x24042c3eu, 0x240c3e24u, 0x24141404u, 0x24141c3eu, 0x24142404u,
    0x24143404u, 0x24143434u, 0x241c043eu, 0x241c242cu, 0x24240424u, 0x24242c0cu, 0x24243424u, 0x242c142cu,
    0x242c241cu, 0x242c3e04u, 0x243e042cu, 0x243e0c04u, 0x243e0c14u, 0x243e1c04u, 0x2c040c14u, 0x2c04240cu,
    0x2c043e04u, 0x2c0c0404u, 0x2c0c0434u, 0x2c0c1434u, 0x2c0c2c2cu, 0x2c140c24u, 0x2c141c14u, 0x2c143e14u,
    0x2c1c0414u, 0x2c1c2c1cu, 0x2c240c04u, 0x2c24141cu, 0x2c24143eu, 0x2c243e14u, 0x2c2c0414u, 0x2c2c1c0cu,
    0x2c342c04u, 0x2c3e1424u, 0x2c3e2414u, 0x34041424u, 0x34042424u, 0x34042434u, 0x34043424u, 0x340c140cu,
    0x340c340cu, 0x34140c3eu, 0x34143424u, 0x341c1c04u, 0x341c1c34u, 0x34242424u, 0x342c042cu, 0x342c2c14u,
    0x34341c1cu, 0x343e041cu, 0x343e140cu, 0x3e04041cu, 0x3e04042cu, 0x3e04043eu, 0x3e040c04u, 0x3e041c14u,
    0x3e042c14u, 0x3e0c1434u, 0x3e0c2404u, 0x3e140c14u, 0x3e14242cu, 0x3e142c14u, 0x3e1c0404u, 0x3e1c0c2cu,
    0x3e1c1c1cu, 0x3e1c3404u, 0x3e24140cu, 0x3e24240cu, 0x3e2c0404u, 0x3e2c0414u, 0x3e2c1424u, 0x3e341c04u);

unit unit_begin(uint row, uint u, uint cols)
{
    uint blk = row + (u >> 3) * 98u, i = u & 7u;
    uint aux = weight_u32(blk + 66u + 4u * i);
    /* The four 7-bit fields to bytes, then each byte's parity (folded into its bit 0) as its bit 7. */
    uint signs = (aux & 0x7fu) | ((aux << 1) & 0x7f00u) | ((aux << 2) & 0x7f0000u) | ((aux << 3) & 0x7f000000u);
    uint p = signs ^ (signs >> 4);
    p ^= p >> 2;
    p ^= p >> 1;
    signs |= (p & 0x01010101u) << 7;
    float scale = weight_f16(blk) * float(2u * (aux >> 28) + 1u) * 0.25;
    return unit(uvec4(iq3_u64(blk + 2u + 8u * i), signs, 0u), uvec4(0u), uvec4(0u), vec4(scale));
}

vec4 unit_group(unit h, uint g)
{
    uint e = iq3xxs_grid[bitfieldExtract(h.q[g >> 2], int(8u * (g & 3u)), 8)];
    vec4 magnitude = vec4(bitfieldExtract(e, 0, 8), bitfieldExtract(e, 8, 8), bitfieldExtract(e, 16, 8),
                          bitfieldExtract(e, 24, 8));
    return iq3_signed(h.s.x * magnitude, bitfieldExtract(h.q.z, int(4u * g), 4));
}

#define WEIGHT_DECODER 1
#endif
