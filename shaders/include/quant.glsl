/* Decoding of GGUF weight blocks read as raw bytes from 32-bit words, so no 8/16-bit storage feature is needed.
 * The includer defines `uint weight_word(uint index)`, `uvec4 weight_quad(uint index)` (the index-th 32-bit word
 * and 16-byte quad of the weight binding), `uint weight_word_count()`; the build defines WEIGHT_<TYPE> and
 * UNIT_ELEMS for one type of runtime/formats/weight_types.h. Each family's decoders are in quant_<family>.glsl, reading
 * the fields named in block_layouts.h; a decoder defines WEIGHT_DECODER, and may widen `struct unit` with fields of
 * its own.
 *
 * A row is decoded in "units" of UNIT_ELEMS values that one invocation decodes together (a contiguous run of bytes),
 * in UNIT_GROUPS groups of 4 values at consecutive columns, so no per-thread arrays are needed:
 *   unit h = unit_begin(row_byte, u, cols);  vec4 v = unit_group(h, g);  columns unit_col4(u, g) .. + 3.
 * unit_begin loads the unit's quant bytes (16-byte loads where aligned) and scales; plain types give 0 past the
 * row's end (cols). */

/* ALIGNED (set by the host): x rows start on 16-byte boundaries and, for plain types, weight rows are whole
 * 16-byte quads. Reads are otherwise branch-free, since a CPU driver (lavapipe) executes both sides of a divergent
 * branch: misaligned reads load the neighbouring words too and select. */
layout(constant_id = WEIGHT_SPEC_ALIGNED) const bool ALIGNED = false;

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

/* The 8 bytes at an even byte address. */
uvec2 weight_u64(uint b)
{
    uint i = b >> 2;
    uvec3 w = uvec3(weight_word(i), weight_word_clamped(i + 1u), weight_word_clamped(i + 2u));
    return (b & 2u) == 0u ? w.xy : (w.xy >> 16) | (w.yz << 16);
}

float weight_f16(uint b) { return unpackHalf2x16(weight_u16(b)).x; }

/* The 4-bit fields at bit shift of each byte of a word. */
vec4 nibbles(uint q, uint shift)
{
    return vec4(bitfieldExtract(q, int(shift), 4), bitfieldExtract(q, int(shift + 8u), 4),
                bitfieldExtract(q, int(shift + 16u), 4), bitfieldExtract(q, int(shift + 24u), 4));
}

/* The 2-bit fields at bit shift of each byte of a word. */
vec4 bit_pairs(uint q, uint shift)
{
    return vec4(bitfieldExtract(q, int(shift), 2), bitfieldExtract(q, int(shift + 8u), 2),
                bitfieldExtract(q, int(shift + 16u), 2), bitfieldExtract(q, int(shift + 24u), 2));
}

/* Signed byte i (0..3) of a word. */
float sbyte(uint word, uint i) { return float(bitfieldExtract(int(word), int(i * 8u), 8)); }

/* What unit_begin loads for unit_group: the decoders' shared shape. */
struct unit {
    uvec4 q;      /* the unit's (first) 16 quant bytes */
    uvec4 q2;     /* Q6_K: the second 16 bytes of low bits */
    uvec4 qh;     /* Q5_0, Q5_1 (.x), Q5_K, Q6_K: the high bits */
    vec4 s;       /* per-type scales */
};

#include "block_layouts.h"
#include "quant_plain.glsl"
#include "quant_legacy.glsl"
#include "quant_k.glsl"
#include "quant_codebook.glsl"
#include "quant_ternary.glsl"
#include "quant_iq2.glsl"
#include "quant_iq3.glsl"
#include "quant_iq1.glsl"

#if !defined(WEIGHT_DECODER)
#error "quant.glsl: define one WEIGHT_* type of runtime/formats/weight_types.h"
#endif
#if !defined(UNIT_ELEMS)
#error "quant.glsl: UNIT_ELEMS comes from runtime/formats/weight_types.h through shaders/CMakeLists.txt"
#endif

#define UNIT_GROUPS (UNIT_ELEMS / 4u)

/* A decoder may fill workgroup tables first: then it defines WEIGHT_DECODER_INIT and weight_decoder_init(), which
 * the kernels call before decoding, from every invocation in uniform control flow. */
#if !defined(WEIGHT_DECODER_INIT)
void weight_decoder_init() {}
#endif
