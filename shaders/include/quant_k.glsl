/* 256-element super-block types (ggml's K-quants): included by quant.glsl. */
#if defined(WEIGHT_Q4_K) || defined(WEIGHT_Q5_K)
/* Super-block of 256 = 4 chunks of 64; chunk j uses 6-bit scale/min pairs 2j (low nibbles, elements 64j..64j+31)
 * and 2j+1 (high nibbles, 64j+32..64j+63). A unit is half a chunk's quant bytes: 16 low and 16 high nibbles;
 * groups 0-3 are low nibbles of its words 0-3, groups 4-7 the high ones. Q5_K's 5th bits: qh[l] for the unit's
 * l = 16 * (u & 1) + byte, bit 2j for low nibbles and 2j+1 for high ones. */
#if defined(WEIGHT_Q4_K)
#define KBLOCK_BYTES BLOCK_Q4_K_BYTES
#define KQS BLOCK_Q4_K_QS
#else
#define KBLOCK_BYTES BLOCK_Q5_K_BYTES
#define KQH BLOCK_Q5_K_QH
#define KQS BLOCK_Q5_K_QS
#endif
uint unit_col4(uint u, uint g)
{
    uint sub = u & 7u;
    return (u >> 3) * 256u + (sub >> 1) * 64u + (sub & 1u) * 16u + (g & 3u) * 4u + (g >> 2) * 32u;
}

/* Scale (x) and min (y) of sub-block s from the 12 packed bytes, given as words a = bytes 0-3, b = 4-7, c = 8-11:
 * s < 4: low 6 bits of a[s] and b[s]; s >= 4: nibbles of c[s-4] topped by the high 2 bits of a[s-4] and b[s-4]. */
vec2 kscale_min(uvec3 packed, uint s)
{
    uint shift = (s & 3u) * 8u;
    uint a = bitfieldExtract(packed.x, int(shift), 8), b = bitfieldExtract(packed.y, int(shift), 8);
    uint c = bitfieldExtract(packed.z, int(shift), 8);
    uvec2 low = uvec2(a & 63u, b & 63u);
    uvec2 high = uvec2((c & 15u) | ((a >> 6) << 4), (c >> 4) | ((b >> 6) << 4));
    return vec2(s < 4u ? low : high);
}

/* s: (d * scale, dmin * min) of the low then the high sub-block; for Q5_K, q2.x holds the chunk's qh bit (2j). */
unit unit_begin(uint row, uint u, uint cols)
{
    uint blk = row + (u >> 3) * KBLOCK_BYTES;
    uint j = (u & 7u) >> 1;
    /* blocks are 16-byte multiples: the first quad is d, dmin, then the packed scales (dequant_blocks.h checks) */
    uvec4 head = weight_quad(blk >> 4);
    vec2 dm = unpackHalf2x16(head.x);
    vec2 lo = kscale_min(head.yzw, 2u * j), hi = kscale_min(head.yzw, 2u * j + 1u);
#if defined(WEIGHT_Q5_K)
    uvec4 qh = weight_quad((blk + KQH) / 16u + (u & 1u));
#else
    uvec4 qh = uvec4(0u);
#endif
    return unit(weight_quad((blk + KQS) / 16u + 2u * j + (u & 1u)), uvec4(2u * j), qh,
                vec4(dm.x * lo.x, dm.y * lo.y, dm.x * hi.x, dm.y * hi.y));
}

vec4 unit_group(unit h, uint g)
{
    uint high = g >> 2;
    vec4 q = nibbles(h.q[g & 3u], high * 4u);
#if defined(WEIGHT_Q5_K)
    uint bits = h.qh[g & 3u], bit = h.q2.x + high;
    q += 16.0 * vec4(bitfieldExtract(bits, int(bit), 1), bitfieldExtract(bits, int(bit + 8u), 1),
                     bitfieldExtract(bits, int(bit + 16u), 1), bitfieldExtract(bits, int(bit + 24u), 1));
#endif
    return high == 0u ? h.s.x * q - h.s.y : h.s.z * q - h.s.w;
}

#define WEIGHT_DECODER 1
#elif defined(WEIGHT_Q6_K)
/* {uint8 ql[128]; uint8 qh[64]; int8 scales[16]; f16 d}: 210 bytes, two halves of 128 elements. In half n, for
 * l < 32, ql[64n+l], ql[64n+32+l] and qh[32n+l] give elements 128n + l + {0, 32, 64, 96}, with scales
 * 8n + l/16 + {0, 2, 4, 6}. A unit is 16 consecutive l: 64 elements; group g = 4t + i is output t of word i. */
uint unit_col4(uint u, uint g)
{
    uint sub = u & 3u;
    return (u >> 2) * 256u + (sub >> 1) * 128u + (sub & 1u) * 16u + (g >> 2) * 32u + (g & 3u) * 4u;
}

unit unit_begin(uint row, uint u, uint cols)
{
    uint blk = row + (u >> 2) * BLOCK_Q6_K_BYTES;
    uint n = (u & 3u) >> 1, m = u & 1u;
    float d = weight_f16(blk + BLOCK_Q6_K_D);
    uint sc = blk + BLOCK_Q6_K_SCALES + 8u * n + m;
    vec4 s = vec4(sbyte(weight_byte(sc), 0u), sbyte(weight_byte(sc + 2u), 0u), sbyte(weight_byte(sc + 4u), 0u),
                  sbyte(weight_byte(sc + 6u), 0u));
    uint ql = blk + BLOCK_Q6_K_QL + 64u * n + 16u * m;
    return unit(weight_u128(ql), weight_u128(ql + 32u), weight_u128(blk + BLOCK_Q6_K_QH + 32u * n + 16u * m), d * s);
}

vec4 unit_group(unit h, uint g)
{
    uint t = g >> 2, i = g & 3u;
    vec4 q = nibbles((t & 1u) == 0u ? h.q[i] : h.q2[i], (t >> 1) * 4u);
    uint bits = h.qh[i], shift = 2u * t;
    q += 16.0 * vec4(bitfieldExtract(bits, int(shift), 2), bitfieldExtract(bits, int(shift + 8u), 2),
                     bitfieldExtract(bits, int(shift + 16u), 2), bitfieldExtract(bits, int(shift + 24u), 2));
    return h.s[t] * (q - 32.0);
}

#define WEIGHT_DECODER 1
#elif defined(WEIGHT_Q2_K)
/* {uint8 scales[16]; uint8 qs[64]; f16 d, dmin}: 84 bytes. Element 128n + 32j + l (l < 32) is d * (sc & 15) * q -
 * dmin * (sc >> 4) with q = bits 2j of qs[32n + l] and sc = scales[8n + 2j + l/16]. A unit is l = 8p .. 8p + 7 of
 * half n: 32 elements (a group loop lavapipe unrolls), 4 scales; group g = 2j + i is word i of its qs bytes at
 * shift 2j. Rows are whole blocks of 84 bytes, so every block is 4-byte aligned: whole-word reads. */
uint unit_col4(uint u, uint g)
{
    return (u >> 3) * 256u + ((u >> 2) & 1u) * 128u + (g >> 1) * 32u + (u & 3u) * 8u + (g & 1u) * 4u;
}

/* s: d * scale for j = 0..3, from the bytes at bit offsets 8 (p/2) + 16 (j & 1) of scale word 2n + j/2; qh: the
 * float bits of dmin * min. */
unit unit_begin(uint row, uint u, uint cols)
{
    uint w = (row + (u >> 3) * BLOCK_Q2_K_BYTES) >> 2;
    uint n = (u >> 2) & 1u, p = u & 3u;
    uint lo = weight_word(w + BLOCK_Q2_K_SCALES_WORD + 2u * n);
    uint hi = weight_word(w + BLOCK_Q2_K_SCALES_WORD + 2u * n + 1u);
    uvec4 sc = (uvec4(lo, lo, hi, hi) >> (uvec4(0u, 16u, 0u, 16u) + 8u * (p >> 1))) & 0xffu;
    vec2 dm = unpackHalf2x16(weight_word(w + BLOCK_Q2_K_DM_WORD));
    uint q = w + BLOCK_Q2_K_QS_WORD + 8u * n + 2u * p;
    return unit(uvec4(weight_word(q), weight_word(q + 1u), 0u, 0u), uvec4(0u), floatBitsToUint(dm.y * vec4(sc >> 4)),
                dm.x * vec4(sc & 15u));
}

vec4 unit_group(unit h, uint g)
{
    uint j = g >> 1;
    return h.s[j] * bit_pairs(h.q[g & 1u], 2u * j) - uintBitsToFloat(h.qh[j]);
}

#define WEIGHT_DECODER 1
#elif defined(WEIGHT_Q3_K)
/* {uint8 hmask[32]; uint8 qs[64]; uint8 scales[12]; f16 d}: 110 bytes. Element 128n + 32j + l (l < 32) is
 * d * (scale[8n + 2j + l/16] - 32) * (q - 4 + 4h): q = bits 2j of qs[32n + l], h = bit 4n + j of hmask[l]. The
 * 6-bit scale i is the nibble 4 * (i/8) of scales[i % 8] topped by bits 2 * (i/4) of scales[8 + i % 4]. A unit is
 * l = 8p .. 8p + 7 of half n: 32 elements, 4 scales; group g = 2j + i is word i of its qs bytes at shift 2j.
 * 32 elements and no more: lavapipe does not unroll a 16-group loop, and runs it 1.4x (matvec) to 4x (tiled
 * product) slower (measured on TQ2_0). Blocks are only 2-byte aligned, so all reads are 32-bit words. */
uint unit_col4(uint u, uint g)
{
    return (u >> 3) * 256u + ((u >> 2) & 1u) * 128u + (g >> 1) * 32u + (u & 3u) * 8u + (g & 1u) * 4u;
}

/* q: the qs words, then the hmask words with bits 4n .. 4n + 3 inverted and moved to bits 2 .. 5; s: d * (scale -
 * 32) for j = 0..3, whose bytes lie at bit offsets 8 (p/2) + 16 (j & 1) of scale words j / 2 (nibble 4n) and 2
 * (bit pair 2n + j/2). */
unit unit_begin(uint row, uint u, uint cols)
{
    uint blk = row + (u >> 3) * BLOCK_Q3_K_BYTES;
    uint n = (u >> 2) & 1u, p = u & 3u;
    /* scales and d, which follows them: the 4 words from the scales' first byte, or from 2 bytes before when blk is
     * not 4-aligned (weight_u128 would read 5; measured 5-10% faster) */
    uint w = (blk + BLOCK_Q3_K_SCALES) >> 2;
    uvec4 sc = uvec4(weight_word(w), weight_word(w + 1u), weight_word(w + 2u), weight_word(w + 3u));
    sc = (blk & 2u) == 0u ? sc : uvec4((sc.xyz >> 16) | (sc.yzw << 16), sc.w >> 16);
    uvec4 shift = uvec4(0u, 16u, 0u, 16u) + (8u * (p >> 1) + 4u * n);
    uvec4 low = (uvec4(sc.xx, sc.yy) >> shift) & 15u;
    uvec4 high = (uvec4(sc.z) >> (shift + uvec4(0u, 0u, 2u, 2u))) & 3u;
    vec4 s = unpackHalf2x16(sc.w).x * (vec4(low | (high << 4)) - 32.0);
    uvec2 hmask = (~weight_u64(blk + BLOCK_Q3_K_HMASK + 8u * p) >> (4u * n)) << 2;
    return unit(uvec4(weight_u64(blk + BLOCK_Q3_K_QS + 32u * n + 8u * p), hmask), uvec4(0u), uvec4(0u), s);
}

/* Each value as the 3-bit two's-complement field [!h q1 q0] (= q - 4 + 4h) of its byte; few operations, so that the
 * group loop stays small enough to be unrolled. */
vec4 unit_group(unit h, uint g)
{
    uint j = g >> 1, i = g & 1u;
    int v = int(((h.q[i] >> (2u * j)) & 0x03030303u) | ((h.q[2u + i] >> j) & 0x04040404u));
    return h.s[j] * vec4(bitfieldExtract(v, 0, 3), bitfieldExtract(v, 8, 3), bitfieldExtract(v, 16, 3),
                         bitfieldExtract(v, 24, 3));
}

#define WEIGHT_DECODER 1
#endif
