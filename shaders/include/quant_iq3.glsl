/* 256-element super-blocks of 3-bit codebook entries (ggml's IQ3_XXS, IQ3_S): included by quant.glsl. A
 * super-block has 8 sub-blocks of 32 values, each with one scale; each group of 4 values is one codebook entry (4
 * magnitudes) with 4 sign bits. A unit is one sub-block: its 8 entry indices in q.xy (byte g for group g), its 32
 * sign bits in q.z (bit 4g + j for value j of group g).
 *
 * The codebooks are ggml's (ggml/src/ggml-common.h, MIT; runtime/formats/iq3_grids.h has them as ggml writes them).
 * They are private arrays, not `const` ones: glslang copies a `const` array into a function variable wherever it
 * is indexed, and lavapipe refills that copy at each use (matvec 25x slower, seconds more to compile); a private
 * array is filled once per invocation. Its compile time on lavapipe grows fast with its size (per pipeline, 128
 * words: +0.3 s; 256, as here: +1 to +2.5 s; 1024: +25 s, see quant_iq1.glsl). */
#if defined(WEIGHT_IQ3_XXS) || defined(WEIGHT_IQ3_S)
uint unit_col4(uint u, uint g) { return u * 32u + g * 4u; }

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
    uint blk = row + (u >> 3) * BLOCK_IQ3_XXS_BYTES, i = u & 7u;
    uint aux = weight_u32(blk + BLOCK_IQ3_XXS_AUX + 4u * i);
    /* The four 7-bit fields to bytes, then each byte's parity (folded into its bit 0) as its bit 7. */
    uint signs = (aux & 0x7fu) | ((aux << 1) & 0x7f00u) | ((aux << 2) & 0x7f0000u) | ((aux << 3) & 0x7f000000u);
    uint p = signs ^ (signs >> 4);
    p ^= p >> 2;
    p ^= p >> 1;
    signs |= (p & 0x01010101u) << 7;
    float scale = weight_f16(blk + BLOCK_IQ3_XXS_D) * float(2u * (aux >> 28) + 1u) * 0.25;
    return unit(uvec4(weight_u64(blk + BLOCK_IQ3_XXS_QS + 8u * i), signs, 0u), uvec4(0u), uvec4(0u), vec4(scale));
}

vec4 unit_group(unit h, uint g)
{
    uint e = iq3xxs_grid[bitfieldExtract(h.q[g >> 2], int(8u * (g & 3u)), 8)];
    vec4 magnitude = vec4(bitfieldExtract(e, 0, 8), bitfieldExtract(e, 8, 8), bitfieldExtract(e, 16, 8),
                          bitfieldExtract(e, 24, 8));
    return iq3_signed(h.s.x * magnitude, bitfieldExtract(h.q.z, int(4u * g), 4));
}

#define WEIGHT_DECODER 1
#elif defined(WEIGHT_IQ3_S)
/* {f16 d; uint8 qs[64]; uint8 qh[8]; uint8 signs[32]; uint8 scales[4]}: 110 bytes. Sub-block i: the index of group
 * g is qs[8i + g] topped by bit g of qh[i] (9 bits); its sign bits are signs[4i..4i+3]; its scale d * (2 * nibble
 * i of scales + 1) (low nibble for even i). The unit keeps qh[i] in q.w, and s = scale * (2, 1). ggml's iq3s_grid
 * repacked: its magnitudes are 1, 3, .. 15, so an entry is 4 levels l (value j in bits 4j, magnitude 2l + 1),
 * entry i in the 16 bits at 16 * (i & 1) of word i / 2: 256 words, not 512. */
uint iq3s_grid[256] = uint[](
    0x00010000u, 0x00050002u, 0x00100007u, 0x00120011u, 0x00160014u, 0x00210020u, 0x00330025u, 0x00420040u,
    0x00470045u, 0x00530051u, 0x00620060u, 0x00740071u, 0x01000077u, 0x01020101u, 0x01100104u, 0x01150111u,
    0x01230120u, 0x01310127u, 0x01440135u, 0x01650161u, 0x02000172u, 0x02050201u, 0x02100207u, 0x02160213u,
    0x02250221u, 0x02340230u, 0x02450242u, 0x02510247u, 0x02700253u, 0x03030273u, 0x03150311u, 0x03220320u,
    0x03330331u, 0x03440336u, 0x03520350u, 0x03710367u, 0x04000375u, 0x04170413u, 0x04240421u, 0x04400432u,
    0x04510443u, 0x05020470u, 0x05200504u, 0x05260522u, 0x05410533u, 0x05470545u, 0x05730566u, 0x06110606u,
    0x06310613u, 0x06710652u, 0x07020700u, 0x07200704u, 0x07260722u, 0x07500733u, 0x10000754u, 0x10021001u,
    0x10101004u, 0x10131011u, 0x10171015u, 0x10221020u, 0x10341031u, 0x10541036u, 0x10611056u, 0x11001072u,
    0x11031101u, 0x11101106u, 0x11211114u, 0x11331130u, 0x11501141u, 0x11701152u, 0x12001176u, 0x12151212u,
    0x12201217u, 0x12321224u, 0x12431240u, 0x12601255u, 0x13011272u, 0x13071304u, 0x13131310u, 0x13271321u,
    0x13341330u, 0x13621341u, 0x14031370u, 0x14121405u, 0x14311414u, 0x14421433u, 0x14501446u, 0x15011454u,
    0x15131510u, 0x15301521u, 0x15511532u, 0x16241620u, 0x16441627u, 0x17011646u, 0x17101703u, 0x17211712u,
    0x17411735u, 0x17701762u, 0x20012000u, 0x20052003u, 0x20102007u, 0x20142012u, 0x20212016u, 0x20272023u,
    0x20322030u, 0x20432041u, 0x20502045u, 0x20672052u, 0x20732070u, 0x21002075u, 0x21102102u, 0x21172113u,
    0x21252122u, 0x21342131u, 0x21512142u, 0x22042201u, 0x22212207u, 0x22302223u, 0x22412237u, 0x22572253u,
    0x22742271u, 0x23022300u, 0x23112305u, 0x23242322u, 0x23332331u, 0x23502342u, 0x24012366u, 0x24202407u,
    0x24322423u, 0x24412435u, 0x24752472u, 0x25112504u, 0x25372522u, 0x25532540u, 0x26002570u, 0x26072602u,
    0x26552621u, 0x27052661u, 0x27262711u, 0x27432730u, 0x30022750u, 0x30133011u, 0x30173015u, 0x30313022u,
    0x30353033u, 0x30443042u, 0x30513047u, 0x30713063u, 0x31033101u, 0x31143105u, 0x31233121u, 0x31603140u,
    0x31763172u, 0x32123200u, 0x32323220u, 0x32503234u, 0x33103301u, 0x33213314u, 0x33273323u, 0x33413330u,
    0x33473343u, 0x33733355u, 0x34113403u, 0x34223416u, 0x34523431u, 0x34643460u, 0x35103501u, 0x35253512u,
    0x35443532u, 0x35733556u, 0x36413616u, 0x37033701u, 0x37223720u, 0x40003735u, 0x40124004u, 0x40244020u,
    0x40324027u, 0x40504041u, 0x41024070u, 0x41114107u, 0x41224113u, 0x41354130u, 0x41514143u, 0x42014155u,
    0x42104203u, 0x42214215u, 0x42404233u, 0x42624257u, 0x43044270u, 0x43134311u, 0x43224320u, 0x43354331u,
    0x44024400u, 0x44374424u, 0x44714440u, 0x45074505u, 0x45624521u, 0x46344613u, 0x47104660u, 0x47304715u,
    0x47514743u, 0x50105002u, 0x50225014u, 0x50445040u, 0x50525047u, 0x50745066u, 0x51035101u, 0x51125105u,
    0x51325121u, 0x52005172u, 0x52235211u, 0x52365230u, 0x53025253u, 0x53105307u, 0x53445327u, 0x53655351u,
    0x54015373u, 0x54205404u, 0x54465432u, 0x55265512u, 0x55535551u, 0x57025642u, 0x57225704u, 0x60136011u,
    0x60316015u, 0x60606033u, 0x61206100u, 0x61646127u, 0x62346212u, 0x62556242u, 0x62706262u, 0x63146300u,
    0x63406321u, 0x64436425u, 0x65006462u, 0x65346503u, 0x66056560u, 0x67116640u, 0x70006713u, 0x70077004u,
    0x70227020u, 0x70407036u, 0x70627054u, 0x71117102u, 0x71437124u, 0x72017145u, 0x72107204u, 0x72217216u,
    0x72517230u, 0x73327302u, 0x73537335u, 0x74057401u, 0x74207413u, 0x75227450u, 0x76027542u, 0x77007631u);

unit unit_begin(uint row, uint u, uint cols)
{
    uint blk = row + (u >> 3) * BLOCK_IQ3_S_BYTES, i = u & 7u;
    uint nibble = bitfieldExtract(weight_byte(blk + BLOCK_IQ3_S_SCALES + (i >> 1)), int(4u * (i & 1u)), 4);
    float scale = weight_f16(blk + BLOCK_IQ3_S_D) * float(2u * nibble + 1u);
    return unit(uvec4(weight_u64(blk + BLOCK_IQ3_S_QS + 8u * i), weight_u32(blk + BLOCK_IQ3_S_SIGNS + 4u * i),
                      weight_byte(blk + BLOCK_IQ3_S_QH + i)),
                uvec4(0u), uvec4(0u), scale * vec4(2.0, 1.0, 0.0, 0.0));
}

vec4 unit_group(unit h, uint g)
{
    uint index = bitfieldExtract(h.q[g >> 2], int(8u * (g & 3u)), 8) | (bitfieldExtract(h.q.w, int(g), 1) << 8);
    uvec4 entry = uvec4(iq3s_grid[index >> 1] >> ((index & 1u) << 4));
    vec4 level = vec4((entry >> uvec4(0u, 4u, 8u, 12u)) & 7u);
    return iq3_signed(fma(level, vec4(h.s.x), vec4(h.s.y)), bitfieldExtract(h.q.z, int(4u * g), 4));
}

#define WEIGHT_DECODER 1
#endif
