/* Decoding of GGUF weight blocks read as raw bytes from 32-bit words, so no 8/16-bit storage feature is needed.
 * The includer defines `uint weight_word(uint index)`, `uvec4 weight_quad(uint index)` (the index-th 32-bit word
 * and 16-byte quad of the weight binding), `uint weight_word_count()`, and one of
 * WEIGHT_F32, WEIGHT_F16, WEIGHT_BF16, WEIGHT_Q8_0, WEIGHT_Q4_0, WEIGHT_Q4_K, WEIGHT_Q5_K, WEIGHT_Q6_K.
 *
 * A row is decoded in "units" of UNIT_ELEMS values that one invocation decodes together (a contiguous run of bytes),
 * in UNIT_GROUPS groups of 4 values at consecutive columns, so no per-thread arrays are needed:
 *   unit h = unit_begin(row_byte, u, cols);  vec4 v = unit_group(h, g);  columns unit_col4(u, g) .. + 3.
 * unit_begin loads the unit's quant bytes (16-byte loads where aligned) and scales; plain types give 0 past the
 * row's end (cols). */

/* ALIGNED (set by the host): x rows start on 16-byte boundaries and, for plain types, weight rows are whole
 * 16-byte quads. Reads are otherwise branch-free, since a CPU driver (lavapipe) executes both sides of a divergent
 * branch: misaligned reads load the neighbouring words too and select. */
layout(constant_id = 5) const bool ALIGNED = false;

uint weight_byte(uint b) { return (weight_word(b >> 2) >> ((b & 3u) * 8u)) & 0xffu; }

/* The 16 bits at an even byte address. */
uint weight_u16(uint b) { return (weight_word(b >> 2) >> ((b & 2u) * 8u)) & 0xffffu; }

/* Word i, clamped to the binding: reads that run past a tensor's end (the neighbour word of a misaligned read, the
 * tail of a partial unit) stay inside, and their values are discarded. */
uint weight_word_clamped(uint i) { return weight_word(min(i, weight_word_count() - 1u)); }

/* The 32 bits at an even byte address. */
uint weight_u32(uint b)
{
    uint lo = weight_word(b >> 2), hi = weight_word_clamped((b >> 2) + 1u);
    return (b & 2u) == 0u ? lo : (lo >> 16) | (hi << 16);
}

/* The 16 bytes at an even byte address. */
uvec4 weight_u128(uint b)
{
    uint i = b >> 2;
    uvec4 lo = uvec4(weight_word(i), weight_word_clamped(i + 1u), weight_word_clamped(i + 2u),
                     weight_word_clamped(i + 3u));
    uvec4 hi = uvec4(lo.yzw, weight_word_clamped(i + 4u));
    return (b & 2u) == 0u ? lo : (lo >> 16) | (hi << 16);
}

float weight_f16(uint b) { return unpackHalf2x16(weight_u16(b)).x; }

/* The 4-bit fields at bit shift of each byte of a word. */
vec4 nibbles(uint q, uint shift)
{
    return vec4(bitfieldExtract(q, int(shift), 4), bitfieldExtract(q, int(shift + 8u), 4),
                bitfieldExtract(q, int(shift + 16u), 4), bitfieldExtract(q, int(shift + 24u), 4));
}

/* Signed byte i (0..3) of a word. */
float sbyte(uint word, uint i) { return float(bitfieldExtract(int(word), int(i * 8u), 8)); }

#if defined(WEIGHT_F32) || defined(WEIGHT_F16) || defined(WEIGHT_BF16)
#define WEIGHT_PLAIN 1
#endif

struct unit {
    uvec4 q;      /* the unit's (first) 16 quant bytes */
    uvec4 q2;     /* Q6_K: the second 16 bytes of low bits */
    uvec4 qh;     /* Q5_K, Q6_K: the high bits */
    vec4 s;       /* per-type scales */
};

#if defined(WEIGHT_F32)
#define UNIT_ELEMS 4u
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
#define UNIT_ELEMS 8u
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

#elif defined(WEIGHT_Q8_0)
/* {f16 d; int8 qs[32]}: 34 bytes, 2-byte aligned. */
#define UNIT_ELEMS 32u
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

#elif defined(WEIGHT_Q4_0)
/* {f16 d; uint8 qs[16]}: 18 bytes; low nibbles are elements 0-15, high nibbles 16-31, value (q - 8) * d. Group g
 * takes the low (g < 4) or high nibbles of word g % 4: columns 4g .. 4g+3 either way. */
#define UNIT_ELEMS 32u
uint unit_col4(uint u, uint g) { return u * 32u + g * 4u; }
unit unit_begin(uint row, uint u, uint cols)
{
    uint b = row + u * 18u;
    return unit(weight_u128(b + 2u), uvec4(0u), uvec4(0u), vec4(weight_f16(b)));
}
vec4 unit_group(unit h, uint g) { return h.s.x * (nibbles(h.q[g & 3u], g < 4u ? 0u : 4u) - 8.0); }

#elif defined(WEIGHT_Q4_K) || defined(WEIGHT_Q5_K)
/* Super-block of 256 = 4 chunks of 64; chunk j uses 6-bit scale/min pairs 2j (low nibbles, elements 64j..64j+31)
 * and 2j+1 (high nibbles, 64j+32..64j+63). A unit is half a chunk's quant bytes: 16 low and 16 high nibbles;
 * groups 0-3 are low nibbles of its words 0-3, groups 4-7 the high ones. Q5_K's 5th bits: qh[l] for the unit's
 * l = 16 * (u & 1) + byte, bit 2j for low nibbles and 2j+1 for high ones. */
#define UNIT_ELEMS 32u
#if defined(WEIGHT_Q4_K)
#define KBLOCK_BYTES 144u
#define KQS 16u
#else
#define KBLOCK_BYTES 176u
#define KQH 16u
#define KQS 48u
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
    uvec4 head = weight_quad(blk >> 4); /* blocks are 16-byte multiples: d, dmin, then the packed scales */
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

#elif defined(WEIGHT_Q6_K)
/* {uint8 ql[128]; uint8 qh[64]; int8 scales[16]; f16 d}: 210 bytes, two halves of 128 elements. In half n, for
 * l < 32, ql[64n+l], ql[64n+32+l] and qh[32n+l] give elements 128n + l + {0, 32, 64, 96}, with scales
 * 8n + l/16 + {0, 2, 4, 6}. A unit is 16 consecutive l: 64 elements; group g = 4t + i is output t of word i. */
#define UNIT_ELEMS 64u
uint unit_col4(uint u, uint g)
{
    uint sub = u & 3u;
    return (u >> 2) * 256u + (sub >> 1) * 128u + (sub & 1u) * 16u + (g >> 2) * 32u + (g & 3u) * 4u;
}

unit unit_begin(uint row, uint u, uint cols)
{
    uint blk = row + (u >> 2) * 210u;
    uint n = (u & 3u) >> 1, m = u & 1u;
    float d = weight_f16(blk + 208u);
    uint sc = blk + 192u + 8u * n + m;
    vec4 s = vec4(sbyte(weight_byte(sc), 0u), sbyte(weight_byte(sc + 2u), 0u), sbyte(weight_byte(sc + 4u), 0u),
                  sbyte(weight_byte(sc + 6u), 0u));
    uint ql = blk + 64u * n + 16u * m;
    return unit(weight_u128(ql), weight_u128(ql + 32u), weight_u128(blk + 128u + 32u * n + 16u * m), d * s);
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

#else
#error "quant.glsl: define one WEIGHT_* type"
#endif

#define UNIT_GROUPS (UNIT_ELEMS / 4u)
