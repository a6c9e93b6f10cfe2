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
#elif defined(WEIGHT_IQ2_XS)
/* ggml's iq2xs_grid: 512 entries. */
uint iq2_grid[256] = uint[](
    0x00020000u, 0x00080005u, 0x0011000au, 0x00160014u, 0x00200019u, 0x00250022u, 0x00410028u, 0x00460044u,
    0x00500049u, 0x00550052u, 0x00610058u, 0x00800064u, 0x00850082u, 0x00910088u, 0x00990094u, 0x010100a0u,
    0x01060104u, 0x01100109u, 0x01150112u, 0x011a0118u, 0x01240121u, 0x01420140u, 0x01480145u, 0x01540151u,
    0x01680160u, 0x01840181u, 0x02000190u, 0x02050202u, 0x02110208u, 0x02200214u, 0x02440241u, 0x02550250u,
    0x028a0280u, 0x04040401u, 0x04090406u, 0x04120410u, 0x04180415u, 0x04240421u, 0x04420440u, 0x04480445u,
    0x04540451u, 0x04600456u, 0x04840481u, 0x05000490u, 0x05050502u, 0x05110508u, 0x05200514u, 0x05440541u,
    0x05610550u, 0x06010580u, 0x06100604u, 0x06400626u, 0x06840642u, 0x08020800u, 0x08080805u, 0x0811080au,
    0x08200814u, 0x08410825u, 0x08500844u, 0x08800858u, 0x08aa08a0u, 0x09040901u, 0x09400910u, 0x09890981u,
    0x0a200a00u, 0x0a960a28u, 0x10010aa0u, 0x10061004u, 0x10101009u, 0x10151012u, 0x10211018u, 0x10401024u,
    0x10451042u, 0x10511048u, 0x10601054u, 0x1081106au, 0x10901084u, 0x11021100u, 0x11081105u, 0x11141111u,
    0x11411120u, 0x11501144u, 0x11941180u, 0x12011196u, 0x12061204u, 0x12401210u, 0x14001260u, 0x14051402u,
    0x14111408u, 0x14201414u, 0x14441441u, 0x14501449u, 0x14801464u, 0x15041501u, 0x15401510u, 0x16141600u,
    0x18011649u, 0x18101804u, 0x18401812u, 0x18861854u, 0x19051900u, 0x1a511966u, 0x20001aa9u, 0x20052002u,
    0x200a2008u, 0x20142011u, 0x20412020u, 0x20502044u, 0x20a02080u, 0x21042101u, 0x21402110u, 0x21652148u,
    0x22222200u, 0x22a82280u, 0x24042401u, 0x24292410u, 0x25002440u, 0x25522541u, 0x26012599u, 0x26a6261au,
    0x28082800u, 0x2820280au, 0x28882855u, 0x296828a2u, 0x2a082990u, 0x2a822a20u, 0x2a8a2a88u, 0x40044001u,
    0x40094006u, 0x40124010u, 0x40184015u, 0x40244021u, 0x40424040u, 0x40484045u, 0x4051404au, 0x40604054u,
    0x40814065u, 0x40904084u, 0x41024100u, 0x41084105u, 0x41144111u, 0x41414120u, 0x41504144u, 0x41854180u,
    0x420141a2u, 0x42104204u, 0x42294212u, 0x44004240u, 0x44054402u, 0x44114408u, 0x44194414u, 0x44414420u,
    0x44504444u, 0x44944480u, 0x45044501u, 0x45244510u, 0x459a4540u, 0x460a4600u, 0x46504644u, 0x48044801u,
    0x48404810u, 0x48544845u, 0x49004862u, 0x49444911u, 0x49694950u, 0x50004a04u, 0x50055002u, 0x50115008u,
    0x50205014u, 0x50415028u, 0x50505044u, 0x51015080u, 0x51105104u, 0x51405115u, 0x52005142u, 0x52aa5244u,
    0x54045401u, 0x54215410u, 0x54605440u, 0x54a15481u, 0x55085500u, 0x55885580u, 0x56685621u, 0x580056a1u,
    0x58415814u, 0x58995850u, 0x5940591au, 0x5a855942u, 0x60046001u, 0x60406010u, 0x60626054u, 0x60a96086u,
    0x62246100u, 0x6292624au, 0x64166400u, 0x65406510u, 0x65a46545u, 0x686a6801u, 0x6a066925u, 0x6a626a54u,
    0x80028000u, 0x80088005u, 0x80148011u, 0x802a8020u, 0x80448041u, 0x80808050u, 0x80a88082u, 0x810180aau,
    0x81068104u, 0x81408110u, 0x81598151u, 0x82208200u, 0x82828280u, 0x82a882a0u, 0x84048401u, 0x84128410u,
    0x84408415u, 0x84898460u, 0x85448500u, 0x861885a5u, 0x8800866au, 0x88258808u, 0x8880885au, 0x88a88882u,
    0x8a228906u, 0x8a888a80u, 0x8aa88a96u, 0x90049001u, 0x90409010u, 0x90849056u, 0x91229100u, 0x92569164u,
    0x94009289u, 0x94449405u, 0x94589450u, 0x95909529u, 0x96419592u, 0x98a69851u, 0x9a159949u, 0xa0009a60u,
    0xa008a002u, 0xa020a00au, 0xa0a0a02au, 0xa159a151u, 0xa200a1a6u, 0xa208a202u, 0xa280a22au, 0xa440a2a0u,
    0xa665a495u, 0xa80aa698u, 0xa822a820u, 0xa8a0a828u, 0xa904a8a8u, 0xa986a984u, 0xaa2aaa28u, 0xaaaaaa91u);
#endif

#if defined(WEIGHT_IQ2_XXS) || defined(WEIGHT_IQ2_XS)
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
#elif defined(WEIGHT_IQ2_XS)
/* {f16 d; uint16 qs[32]; uint8 scales[8]}: 74 bytes; qs[4k + l] is run l of sub-block k: grid index in bits 0-8,
 * 7-bit sign field in bits 9-15; scales[k] has sub-block k's scales of runs 0-1 (low nibble) and 2-3 (high).
 * s: the unit's 4 scales, one per 16 values. */
unit unit_begin(uint row, uint u, uint cols)
{
    uint blk = row + (u >> 2) * 74u;
    uint scales = weight_u16(blk + 66u + 2u * (u & 3u));
    vec4 nibble = vec4((uvec4(scales) >> uvec4(0u, 4u, 8u, 12u)) & 15u);
    return unit(weight_u128(blk + 2u + 16u * (u & 3u)), uvec4(0u), uvec4(0u),
                weight_f16(blk) * 0.125 * (2.0 * nibble + 1.0));
}

vec4 unit_group(unit h, uint g)
{
    uint q = bitfieldExtract(h.q[g >> 2], int(16u * ((g >> 1) & 1u)), 16);
    return iq2_run4(iq2_entry(q & 511u), iq2_signs7(q >> 9), g & 1u, h.s[g >> 2]);
}

#define WEIGHT_DECODER 1
#endif
