/* Plain weight types (F32, F16, BF16): included by quant.glsl. */
#if defined(WEIGHT_F32) || defined(WEIGHT_F16) || defined(WEIGHT_BF16)
#define WEIGHT_PLAIN 1
#define WEIGHT_DECODER 1
#endif

#if defined(WEIGHT_F32)
uint unit_col4(uint u, uint g) { return u * 4u; }
/* Unaligned rows: word by word, clamped to the row, zero past its end. */
unit unit_begin(uint row, uint u, uint cols)
{
    uvec4 q;
    if (ALIGNED) {
        q = weight_quad((row >> 4) + u);
    } else {
        uint last = cols - 1u;
        for (uint k = 0u; k < 4u; k++) {
            uint word = weight_word((row >> 2) + min(u * 4u + k, last));
            q[k] = u * 4u + k <= last ? word : 0u;
        }
    }
    return unit(q, uvec4(0u), uvec4(0u), vec4(0.0));
}
vec4 unit_group(unit h, uint g) { return uintBitsToFloat(h.q); }

#elif defined(WEIGHT_F16) || defined(WEIGHT_BF16)
uint unit_col4(uint u, uint g) { return u * 8u + g * 4u; }
/* Unaligned rows (odd or not a multiple of 8 long) start at any even byte; halves past the row's end are zeroed. */
unit unit_begin(uint row, uint u, uint cols)
{
    uint col = u * 8u;
    uvec4 q;
    if (ALIGNED) {
        q = weight_quad((row >> 4) + u);
    } else {
        q = weight_u128(row + col * 2u);
        for (uint k = 0u; k < 4u; k++) {
            uint c = col + 2u * k;
            q[k] = c + 1u < cols ? q[k] : c < cols ? q[k] & 0xffffu : 0u;
        }
    }
    return unit(q, uvec4(0u), uvec4(0u), vec4(0.0));
}
vec2 half_pair(uint bits)
{
#if defined(WEIGHT_F16)
    return unpackHalf2x16(bits);
#else
    return vec2(uintBitsToFloat(bits << 16), uintBitsToFloat(bits & 0xffff0000u));
#endif
}
vec4 unit_group(unit h, uint g)
{
    return g == 0u ? vec4(half_pair(h.q.x), half_pair(h.q.y)) : vec4(half_pair(h.q.z), half_pair(h.q.w));
}

#endif
