/* IQ2 types (ggml's 2-bit codebook quants, 256-element super-blocks of 8 sub-blocks of 32): included by quant.glsl.
 * Each run of 8 values is a codebook entry (8 magnitudes, each 8, 25 or 43) with 8 signs, scaled by
 * d * (0.5 + s) / 4 for a 4-bit s. A unit is 2 sub-blocks (64 values): group g is values 4 (g & 1) .. + 3 of run
 * g / 2.
 *
 * iq2_grid is the type's codebook from ggml (ggml/src/ggml-common.h, MIT; runtime/formats/iq2_grids.h has it as
 * ggml writes it) repacked at 2 bits per value: 0, 1, 2 for 8, 25, 43, value j at bits 2j, entry i in the 16 bits
 * at 16 * (i & 1) of word i / 2. One 32-bit load then serves 8 values: half the loads of 8-byte entries (an indexed
 * load is a per-invocation loop on a CPU driver such as lavapipe) and a quarter of their memory. It is a private
 * array, not a `const` one: glslang copies a `const` array into a function variable wherever it is indexed, which
 * lavapipe fills at each use (matvec 10x slower measured); a private array is filled once per invocation. */
#if defined(WEIGHT_IQ2_XXS)
/* ggml's iq2xxs_grid: 256 entries. */
uint iq2_grid[128] = uint[](
    0x00020000u, 0x00080005u, 0x0011000au, 0x00200014u, 0x00280022u, 0x0041002au, 0x00500044u, 0x00610058u,
    0x00800064u, 0x008a0082u, 0x010100a2u, 0x01100104u, 0x01400115u, 0x01980184u, 0x02020200u, 0x02820222u,
    0x04040401u, 0x04210410u, 0x04400424u, 0x04480442u, 0x04810460u, 0x04900484u, 0x050004a4u, 0x05080502u,
    0x05460520u, 0x05800569u, 0x06090591u, 0x06400610u, 0x06a40684u, 0x08050800u, 0x08140808u, 0x08410828u,
    0x08500844u, 0x08880852u, 0x09400904u, 0x0a140a02u, 0x10041001u, 0x10211010u, 0x10601040u, 0x10901084u,
    0x11001095u, 0x11201108u, 0x115a1150u, 0x12241180u, 0x14001245u, 0x14201408u, 0x14491425u, 0x15181480u,
    0x16001562u, 0x18011616u, 0x18101804u, 0x18811840u, 0x19051900u, 0x1a5119a0u, 0x20022000u, 0x2044200au,
    0x20802061u, 0x21292082u, 0x22002148u, 0x24012202u, 0x24102404u, 0x24562440u, 0x25412500u, 0x26902564u,
    0x28202808u, 0x2a442894u, 0x40044001u, 0x40184010u, 0x40244021u, 0x40484040u, 0x40604056u, 0x40844081u,
    0x41004090u, 0x41614120u, 0x41854180u, 0x42104201u, 0x42564248u, 0x44004268u, 0x44204408u, 0x44994480u,
    0x45244512u, 0x48014600u, 0x48104804u, 0x48454840u, 0x49584900u, 0x49824961u, 0x4a904a45u, 0x50085000u,
    0x50195011u, 0x50805020u, 0x51045088u, 0x51a45142u, 0x54905291u, 0x550a5492u, 0x56545601u, 0x58115800u,
    0x58645819u, 0x5a085940u, 0x60106004u, 0x60686040u, 0x61556100u, 0x62606218u, 0x64056400u, 0x65126510u,
    0x68426584u, 0x80028000u, 0x8041800au, 0x81048082u, 0x81408118u, 0x84018211u, 0x84108404u, 0x84408415u,
    0x85008460u, 0x85948546u, 0x86408609u, 0x88028660u, 0x8a118904u, 0x90109004u, 0x90409024u, 0x911690a1u,
    0x92459180u, 0x94229400u, 0x95519444u, 0x99209881u, 0xa050a002u, 0xa109a085u, 0xa418a200u, 0xa904a850u);
#endif

#if defined(WEIGHT_IQ2_XXS)
uint unit_col4(uint u, uint g) { return u * 64u + g * 4u; }

/* Codebook entry i: its 2-bit codes in the low 16 bits. */
uint iq2_entry(uint i) { return iq2_grid[i >> 1] >> ((i & 1u) << 4); }

/* A 7-bit sign field completed by its parity as the 8th sign (the count of negatives is even). */
uint iq2_signs7(uint s7) { return s7 | (((0x6996u >> ((s7 ^ (s7 >> 4)) & 15u)) & 1u) << 7); }

/* Values 4 hi .. 4 hi + 3 of a run: the entry's codes times scale, negated where their bits of signs are set. */
vec4 iq2_run4(uint entry, uint signs, uint hi, float scale)
{
    vec4 k = vec4((uvec4(entry >> (8u * hi)) >> uvec4(0u, 2u, 4u, 6u)) & 3u);
    vec4 v = scale * fma(fma(vec4(0.5), k, vec4(16.5)), k, vec4(8.0)); /* 8, 25, 43 for k = 0, 1, 2 */
    uvec4 negative = (uvec4(signs >> (4u * hi)) << uvec4(31u, 30u, 29u, 28u)) & 0x80000000u;
    return uintBitsToFloat(floatBitsToUint(v) ^ negative);
}
#endif

#if defined(WEIGHT_IQ2_XXS)
/* {f16 d; uint16 qs[32]}: 66 bytes; sub-block k is 8 bytes at 2 + 8k: 4 grid indices, then a word of the 4 runs'
 * 7-bit sign fields (bits 7l) and the sub-block's scale (bits 28-31). s.xy: the unit's two sub-block scales. */
unit unit_begin(uint row, uint u, uint cols)
{
    uint blk = row + (u >> 2) * 66u;
    uvec4 q = weight_u128(blk + 2u + 16u * (u & 3u));
    vec2 s = weight_f16(blk) * 0.125 * (2.0 * vec2(q.y >> 28, q.w >> 28) + 1.0);
    return unit(q, uvec4(0u), uvec4(0u), s.xyxy);
}

vec4 unit_group(unit h, uint g)
{
    uint k = g >> 3, l = (g >> 1) & 3u;
    uint entry = iq2_entry(bitfieldExtract(h.q[2u * k], int(8u * l), 8));
    uint signs = iq2_signs7(bitfieldExtract(h.q[2u * k + 1u], int(7u * l), 7));
    return iq2_run4(entry, signs, g & 1u, h.s[k]);
}

#define WEIGHT_DECODER 1
#endif
