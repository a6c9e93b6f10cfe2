/* 32-element block types (ggml's "legacy" quants): included by quant.glsl. */
#if defined(WEIGHT_Q8_0)
/* {f16 d; int8 qs[32]}: 34 bytes, 2-byte aligned. */
uint unit_col4(uint u, uint g) { return u * 32u + g * 4u; }
unit unit_begin(uint row, uint u, uint cols)
{
    uint b = row + u * 34u;
    return unit(weight_u128(b + 2u), weight_u128(b + 18u), uvec4(0u), vec4(weight_f16(b)));
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
    uint b = row + u * 18u;
    return unit(weight_u128(b + 2u), uvec4(0u), uvec4(0u), vec4(weight_f16(b)));
}
vec4 unit_group(unit h, uint g) { return h.s.x * (nibbles(h.q[g & 3u], g < 4u ? 0u : 4u) - 8.0); }

#define WEIGHT_DECODER 1
#endif
