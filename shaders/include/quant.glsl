/* Decoding of GGUF weight blocks read as raw bytes from 32-bit words, so no 8/16-bit storage feature is needed.
 * The includer defines `uint weight_word(uint index)` (the index-th 32-bit word of the weight binding) and one of
 * WEIGHT_F32, WEIGHT_F16, WEIGHT_BF16, WEIGHT_Q8_0, WEIGHT_Q4_0, WEIGHT_Q4_K, WEIGHT_Q5_K, WEIGHT_Q6_K.
 *
 * A row is decoded in "units": UNIT_ELEMS values that one invocation decodes together, chosen so each unit is one
 * contiguous run of bytes. dequant_unit(row_byte, u, w) fills w[k] with the value of column unit_col(u, k). */

uint weight_byte(uint b) { return (weight_word(b >> 2) >> ((b & 3u) * 8u)) & 0xffu; }

/* The 16 bits at an even byte address. */
uint weight_u16(uint b) { return (weight_word(b >> 2) >> ((b & 2u) * 8u)) & 0xffffu; }

/* The 32 bits at any byte address; a misaligned read joins two neighbouring words. */
uint weight_u32(uint b)
{
    uint shift = (b & 3u) * 8u;
    uint lo = weight_word(b >> 2);
    if (shift == 0u)
        return lo;
    return (lo >> shift) | (weight_word((b >> 2) + 1u) << (32u - shift));
}

float weight_f16(uint b) { return unpackHalf2x16(weight_u16(b)).x; }

/* Signed byte i (0..3) of a word. */
float sbyte(uint word, uint i) { return float(bitfieldExtract(int(word), int(i * 8u), 8)); }
float ubyte(uint word, uint i) { return float(bitfieldExtract(word, int(i * 8u), 8)); }

#if defined(WEIGHT_F32) || defined(WEIGHT_F16) || defined(WEIGHT_BF16)
#define WEIGHT_PLAIN 1
#endif

#if defined(WEIGHT_F32)
#define UNIT_ELEMS 4u
uint unit_col(uint u, uint k) { return u * 4u + k; }
void dequant_unit(uint row, uint u, uint cols, out float w[UNIT_ELEMS])
{
    for (uint k = 0u; k < 4u; k++)
        w[k] = u * 4u + k < cols ? uintBitsToFloat(weight_word((row >> 2) + u * 4u + k)) : 0.0;
}

#elif defined(WEIGHT_F16) || defined(WEIGHT_BF16)
#define UNIT_ELEMS 8u
uint unit_col(uint u, uint k) { return u * 8u + k; }
/* Pairs of halves; a row of odd length starts at an odd half, hence weight_u32. The last pair of the last row may
 * reach 2 bytes past the tensor, which the padding to whole words covers. */
void dequant_unit(uint row, uint u, uint cols, out float w[UNIT_ELEMS])
{
    for (uint k = 0u; k < 8u; k += 2u) {
        uint col = u * 8u + k;
        uint pair = col < cols ? weight_u32(row + col * 2u) : 0u;
#if defined(WEIGHT_F16)
        vec2 v = unpackHalf2x16(pair);
#else
        vec2 v = vec2(uintBitsToFloat(pair << 16), uintBitsToFloat(pair & 0xffff0000u));
#endif
        w[k] = v.x;
        w[k + 1u] = col + 1u < cols ? v.y : 0.0;
    }
}

#elif defined(WEIGHT_Q8_0)
/* {f16 d; int8 qs[32]}: 34 bytes, 2-byte aligned. */
#define UNIT_ELEMS 32u
uint unit_col(uint u, uint k) { return u * 32u + k; }
void dequant_unit(uint row, uint u, uint cols, out float w[UNIT_ELEMS])
{
    uint b = row + u * 34u;
    float d = weight_f16(b);
    for (uint i = 0u; i < 8u; i++) {
        uint q = weight_u32(b + 2u + i * 4u);
        for (uint j = 0u; j < 4u; j++)
            w[i * 4u + j] = d * sbyte(q, j);
    }
}

#elif defined(WEIGHT_Q4_0)
/* {f16 d; uint8 qs[16]}: 18 bytes; low nibbles are elements 0-15, high nibbles 16-31, value (q - 8) * d. */
#define UNIT_ELEMS 32u
uint unit_col(uint u, uint k) { return u * 32u + k; }
void dequant_unit(uint row, uint u, uint cols, out float w[UNIT_ELEMS])
{
    uint b = row + u * 18u;
    float d = weight_f16(b);
    for (uint i = 0u; i < 4u; i++) {
        uint q = weight_u32(b + 2u + i * 4u);
        for (uint j = 0u; j < 4u; j++) {
            w[i * 4u + j] = d * (float(bitfieldExtract(q, int(j * 8u), 4)) - 8.0);
            w[16u + i * 4u + j] = d * (float(bitfieldExtract(q, int(j * 8u + 4u), 4)) - 8.0);
        }
    }
}

#elif defined(WEIGHT_Q4_K) || defined(WEIGHT_Q5_K)
/* Super-block of 256 = 4 chunks of 64; chunk j uses 6-bit scale/min pairs 2j (low nibbles, elements 64j..64j+31)
 * and 2j+1 (high nibbles, 64j+32..64j+63). A unit is half a chunk's bytes: 16 low and 16 high nibbles. */
#define UNIT_ELEMS 32u
#if defined(WEIGHT_Q4_K)
#define KBLOCK_BYTES 144u
#define KQS 16u
#else
#define KBLOCK_BYTES 176u
#define KQH 16u
#define KQS 48u
#endif
uint unit_col(uint u, uint k)
{
    uint sub = u & 7u;
    return (u >> 3) * 256u + (sub >> 1) * 64u + (sub & 1u) * 16u + (k < 16u ? k : k + 16u);
}

/* Scale (x) and min (y) of sub-block s from the 12 packed bytes. */
vec2 kscale_min(uint blk, uint s)
{
    if (s < 4u)
        return vec2(weight_byte(blk + 4u + s) & 63u, weight_byte(blk + 8u + s) & 63u);
    uint hi = weight_byte(blk + 8u + s);
    return vec2((hi & 15u) | ((weight_byte(blk + s) >> 6) << 4), (hi >> 4) | ((weight_byte(blk + 4u + s) >> 6) << 4));
}

void dequant_unit(uint row, uint u, uint cols, out float w[UNIT_ELEMS])
{
    uint blk = row + (u >> 3) * KBLOCK_BYTES;
    uint j = (u & 7u) >> 1, h = u & 1u;
    vec2 dm = unpackHalf2x16(weight_u32(blk));
    vec2 lo = kscale_min(blk, 2u * j), hi = kscale_min(blk, 2u * j + 1u);
    float d_lo = dm.x * lo.x, m_lo = dm.y * lo.y, d_hi = dm.x * hi.x, m_hi = dm.y * hi.y;
    for (uint i = 0u; i < 4u; i++) {
        uint q = weight_u32(blk + KQS + 32u * j + 16u * h + 4u * i);
#if defined(WEIGHT_Q5_K)
        uint qh = weight_u32(blk + KQH + 16u * h + 4u * i);
#endif
        for (uint b = 0u; b < 4u; b++) {
            float ql = float(bitfieldExtract(q, int(b * 8u), 4));
            float qhi = float(bitfieldExtract(q, int(b * 8u + 4u), 4));
#if defined(WEIGHT_Q5_K)
            ql += float(bitfieldExtract(qh, int(b * 8u + 2u * j), 1)) * 16.0;
            qhi += float(bitfieldExtract(qh, int(b * 8u + 2u * j + 1u), 1)) * 16.0;
#endif
            w[i * 4u + b] = d_lo * ql - m_lo;
            w[16u + i * 4u + b] = d_hi * qhi - m_hi;
        }
    }
}

#elif defined(WEIGHT_Q6_K)
/* {uint8 ql[128]; uint8 qh[64]; int8 scales[16]; f16 d}: 210 bytes, two halves of 128 elements. In half n, for
 * l < 32, ql[64n+l], ql[64n+32+l] and qh[32n+l] give elements 128n + l + {0, 32, 64, 96}, with scales
 * 8n + l/16 + {0, 2, 4, 6}. A unit is 16 consecutive l: 64 elements. */
#define UNIT_ELEMS 64u
uint unit_col(uint u, uint k)
{
    uint sub = u & 3u;
    return (u >> 2) * 256u + (sub >> 1) * 128u + (sub & 1u) * 16u + (k >> 4) * 32u + (k & 15u);
}

void dequant_unit(uint row, uint u, uint cols, out float w[UNIT_ELEMS])
{
    uint blk = row + (u >> 2) * 210u;
    uint n = (u & 3u) >> 1, m = u & 1u;
    float d = weight_f16(blk + 208u);
    float sc[4];
    for (uint t = 0u; t < 4u; t++)
        sc[t] = d * float(bitfieldExtract(int(weight_byte(blk + 192u + 8u * n + m + 2u * t)), 0, 8));
    for (uint i = 0u; i < 4u; i++) {
        uint qa = weight_u32(blk + 64u * n + 16u * m + 4u * i);
        uint qb = weight_u32(blk + 64u * n + 32u + 16u * m + 4u * i);
        uint qh = weight_u32(blk + 128u + 32u * n + 16u * m + 4u * i);
        for (uint b = 0u; b < 4u; b++) {
            uint k = i * 4u + b;
            int h = int(bitfieldExtract(qh, int(b * 8u), 8));
            w[k] = sc[0] * float(int(bitfieldExtract(qa, int(b * 8u), 4)) + ((h & 3) << 4) - 32);
            w[k + 16u] = sc[1] * float(int(bitfieldExtract(qb, int(b * 8u), 4)) + (((h >> 2) & 3) << 4) - 32);
            w[k + 32u] = sc[2] * float(int(bitfieldExtract(qa, int(b * 8u + 4u), 4)) + (((h >> 4) & 3) << 4) - 32);
            w[k + 48u] = sc[3] * float(int(bitfieldExtract(qb, int(b * 8u + 4u), 4)) + (((h >> 6) & 3) << 4) - 32);
        }
    }
}

#else
#error "quant.glsl: define one WEIGHT_* type"
#endif
