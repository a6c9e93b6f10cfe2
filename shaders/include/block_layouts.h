/* The block layout of every weight type of runtime/formats/weight_types.h, shared verbatim by the GPU decoders
 * (shaders/include/quant_*.glsl, through quant.glsl) and the host decoders (runtime/formats/dequant_*.c, through
 * dequant_blocks.h, which checks every layout statically). Per type T, as ggml lays the block out (ggml-common.h):
 *   BLOCK_T_ELEMS   values in one block (1 for plain types)
 *   BLOCK_T_BYTES   bytes of one block (tests/test_block_layouts.c: equal to formats/ggml_type.c's)
 *   BLOCK_T_<FIELD> byte offset of each field in the block, and BLOCK_T_<FIELD>_WORD its 32-bit word where a
 *                   shader reads the field as whole words
 *   BLOCK_T_FIELDS(F) the fields in order, F(T, FIELD, bytes, NEXT): NEXT is the following field, or BYTES after
 *                   the last; dequant_blocks.h checks that each field ends where the next begins.
 * Plain decimal integers with a u suffix, so that GLSL reads them as uint. Adding a type adds its lines here. */
#ifndef MLAVK_BLOCK_LAYOUTS_H
#define MLAVK_BLOCK_LAYOUTS_H

/* The 32-bit word holding a word-aligned byte offset. */
#define BLOCK_WORD(byte_offset) ((byte_offset) / 4u)

/* Plain types: one value per "block". */
#define BLOCK_F32_ELEMS 1u
#define BLOCK_F32_BYTES 4u
#define BLOCK_F32_VALUE 0u
#define BLOCK_F32_FIELDS(F) F(F32, VALUE, 4u, BYTES)

#define BLOCK_F16_ELEMS 1u
#define BLOCK_F16_BYTES 2u
#define BLOCK_F16_VALUE 0u
#define BLOCK_F16_FIELDS(F) F(F16, VALUE, 2u, BYTES)

#define BLOCK_BF16_ELEMS 1u
#define BLOCK_BF16_BYTES 2u
#define BLOCK_BF16_VALUE 0u
#define BLOCK_BF16_FIELDS(F) F(BF16, VALUE, 2u, BYTES)

/* 32-element blocks (ggml's "legacy" quants). */
/* {f16 d; int8 qs[32]} */
#define BLOCK_Q8_0_ELEMS 32u
#define BLOCK_Q8_0_BYTES 34u
#define BLOCK_Q8_0_D 0u
#define BLOCK_Q8_0_QS 2u
#define BLOCK_Q8_0_FIELDS(F) F(Q8_0, D, 2u, QS) F(Q8_0, QS, 32u, BYTES)

/* {f16 d; uint8 qs[16]} */
#define BLOCK_Q4_0_ELEMS 32u
#define BLOCK_Q4_0_BYTES 18u
#define BLOCK_Q4_0_D 0u
#define BLOCK_Q4_0_QS 2u
#define BLOCK_Q4_0_FIELDS(F) F(Q4_0, D, 2u, QS) F(Q4_0, QS, 16u, BYTES)

/* {f16 d; f16 m; uint8 qs[16]} */
#define BLOCK_Q4_1_ELEMS 32u
#define BLOCK_Q4_1_BYTES 20u
#define BLOCK_Q4_1_D 0u
#define BLOCK_Q4_1_M 2u
#define BLOCK_Q4_1_QS 4u
#define BLOCK_Q4_1_DM_WORD BLOCK_WORD(BLOCK_Q4_1_D)
#define BLOCK_Q4_1_QS_WORD BLOCK_WORD(BLOCK_Q4_1_QS)
#define BLOCK_Q4_1_FIELDS(F) F(Q4_1, D, 2u, M) F(Q4_1, M, 2u, QS) F(Q4_1, QS, 16u, BYTES)

/* {f16 d; uint8 qh[4]; uint8 qs[16]} */
#define BLOCK_Q5_0_ELEMS 32u
#define BLOCK_Q5_0_BYTES 22u
#define BLOCK_Q5_0_D 0u
#define BLOCK_Q5_0_QH 2u
#define BLOCK_Q5_0_QS 6u
#define BLOCK_Q5_0_FIELDS(F) F(Q5_0, D, 2u, QH) F(Q5_0, QH, 4u, QS) F(Q5_0, QS, 16u, BYTES)

/* {f16 d; f16 m; uint8 qh[4]; uint8 qs[16]} */
#define BLOCK_Q5_1_ELEMS 32u
#define BLOCK_Q5_1_BYTES 24u
#define BLOCK_Q5_1_D 0u
#define BLOCK_Q5_1_M 2u
#define BLOCK_Q5_1_QH 4u
#define BLOCK_Q5_1_QS 8u
#define BLOCK_Q5_1_DM_WORD BLOCK_WORD(BLOCK_Q5_1_D)
#define BLOCK_Q5_1_QH_WORD BLOCK_WORD(BLOCK_Q5_1_QH)
#define BLOCK_Q5_1_QS_WORD BLOCK_WORD(BLOCK_Q5_1_QS)
#define BLOCK_Q5_1_FIELDS(F) F(Q5_1, D, 2u, M) F(Q5_1, M, 2u, QH) F(Q5_1, QH, 4u, QS) F(Q5_1, QS, 16u, BYTES)

/* 256-element super-blocks (ggml's K-quants). */
/* {uint8 scales[16]; uint8 qs[64]; f16 d; f16 dmin} */
#define BLOCK_Q2_K_ELEMS 256u
#define BLOCK_Q2_K_BYTES 84u
#define BLOCK_Q2_K_SCALES 0u
#define BLOCK_Q2_K_QS 16u
#define BLOCK_Q2_K_D 80u
#define BLOCK_Q2_K_DMIN 82u
#define BLOCK_Q2_K_SCALES_WORD BLOCK_WORD(BLOCK_Q2_K_SCALES)
#define BLOCK_Q2_K_QS_WORD BLOCK_WORD(BLOCK_Q2_K_QS)
#define BLOCK_Q2_K_DM_WORD BLOCK_WORD(BLOCK_Q2_K_D)
#define BLOCK_Q2_K_FIELDS(F) \
    F(Q2_K, SCALES, 16u, QS) F(Q2_K, QS, 64u, D) F(Q2_K, D, 2u, DMIN) F(Q2_K, DMIN, 2u, BYTES)

/* {uint8 hmask[32]; uint8 qs[64]; uint8 scales[12]; f16 d} */
#define BLOCK_Q3_K_ELEMS 256u
#define BLOCK_Q3_K_BYTES 110u
#define BLOCK_Q3_K_HMASK 0u
#define BLOCK_Q3_K_QS 32u
#define BLOCK_Q3_K_SCALES 96u
#define BLOCK_Q3_K_D 108u
#define BLOCK_Q3_K_FIELDS(F) \
    F(Q3_K, HMASK, 32u, QS) F(Q3_K, QS, 64u, SCALES) F(Q3_K, SCALES, 12u, D) F(Q3_K, D, 2u, BYTES)

/* {f16 d; f16 dmin; uint8 scales[12]; uint8 qs[128]} */
#define BLOCK_Q4_K_ELEMS 256u
#define BLOCK_Q4_K_BYTES 144u
#define BLOCK_Q4_K_D 0u
#define BLOCK_Q4_K_DMIN 2u
#define BLOCK_Q4_K_SCALES 4u
#define BLOCK_Q4_K_QS 16u
#define BLOCK_Q4_K_FIELDS(F) \
    F(Q4_K, D, 2u, DMIN) F(Q4_K, DMIN, 2u, SCALES) F(Q4_K, SCALES, 12u, QS) F(Q4_K, QS, 128u, BYTES)

/* {f16 d; f16 dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128]} */
#define BLOCK_Q5_K_ELEMS 256u
#define BLOCK_Q5_K_BYTES 176u
#define BLOCK_Q5_K_D 0u
#define BLOCK_Q5_K_DMIN 2u
#define BLOCK_Q5_K_SCALES 4u
#define BLOCK_Q5_K_QH 16u
#define BLOCK_Q5_K_QS 48u
#define BLOCK_Q5_K_FIELDS(F) \
    F(Q5_K, D, 2u, DMIN) F(Q5_K, DMIN, 2u, SCALES) F(Q5_K, SCALES, 12u, QH) F(Q5_K, QH, 32u, QS) \
    F(Q5_K, QS, 128u, BYTES)

/* {uint8 ql[128]; uint8 qh[64]; int8 scales[16]; f16 d} */
#define BLOCK_Q6_K_ELEMS 256u
#define BLOCK_Q6_K_BYTES 210u
#define BLOCK_Q6_K_QL 0u
#define BLOCK_Q6_K_QH 128u
#define BLOCK_Q6_K_SCALES 192u
#define BLOCK_Q6_K_D 208u
#define BLOCK_Q6_K_FIELDS(F) \
    F(Q6_K, QL, 128u, QH) F(Q6_K, QH, 64u, SCALES) F(Q6_K, SCALES, 16u, D) F(Q6_K, D, 2u, BYTES)

/* 4-bit codes indexing a table of 16 values. */
/* {f16 d; uint8 qs[16]} */
#define BLOCK_IQ4_NL_ELEMS 32u
#define BLOCK_IQ4_NL_BYTES 18u
#define BLOCK_IQ4_NL_D 0u
#define BLOCK_IQ4_NL_QS 2u
#define BLOCK_IQ4_NL_FIELDS(F) F(IQ4_NL, D, 2u, QS) F(IQ4_NL, QS, 16u, BYTES)

/* {f16 d; uint16 scales_h; uint8 scales_l[4]; uint8 qs[128]} */
#define BLOCK_IQ4_XS_ELEMS 256u
#define BLOCK_IQ4_XS_BYTES 136u
#define BLOCK_IQ4_XS_D 0u
#define BLOCK_IQ4_XS_SCALES_H 2u
#define BLOCK_IQ4_XS_SCALES_L 4u
#define BLOCK_IQ4_XS_QS 8u
#define BLOCK_IQ4_XS_D_WORD BLOCK_WORD(BLOCK_IQ4_XS_D)
#define BLOCK_IQ4_XS_SCALES_L_WORD BLOCK_WORD(BLOCK_IQ4_XS_SCALES_L)
#define BLOCK_IQ4_XS_QS_WORD BLOCK_WORD(BLOCK_IQ4_XS_QS)
#define BLOCK_IQ4_XS_FIELDS(F) \
    F(IQ4_XS, D, 2u, SCALES_H) F(IQ4_XS, SCALES_H, 2u, SCALES_L) F(IQ4_XS, SCALES_L, 4u, QS) \
    F(IQ4_XS, QS, 128u, BYTES)

/* {uint8 e; uint8 qs[16]} */
#define BLOCK_MXFP4_ELEMS 32u
#define BLOCK_MXFP4_BYTES 17u
#define BLOCK_MXFP4_E 0u
#define BLOCK_MXFP4_QS 1u
#define BLOCK_MXFP4_FIELDS(F) F(MXFP4, E, 1u, QS) F(MXFP4, QS, 16u, BYTES)

/* 256-element ternary blocks. */
/* {uint8 qs[48]; uint8 qh[4]; f16 d} */
#define BLOCK_TQ1_0_ELEMS 256u
#define BLOCK_TQ1_0_BYTES 54u
#define BLOCK_TQ1_0_QS 0u
#define BLOCK_TQ1_0_QH 48u
#define BLOCK_TQ1_0_D 52u
#define BLOCK_TQ1_0_FIELDS(F) F(TQ1_0, QS, 48u, QH) F(TQ1_0, QH, 4u, D) F(TQ1_0, D, 2u, BYTES)

/* {uint8 qs[64]; f16 d} */
#define BLOCK_TQ2_0_ELEMS 256u
#define BLOCK_TQ2_0_BYTES 66u
#define BLOCK_TQ2_0_QS 0u
#define BLOCK_TQ2_0_D 64u
#define BLOCK_TQ2_0_FIELDS(F) F(TQ2_0, QS, 64u, D) F(TQ2_0, D, 2u, BYTES)

/* 256-element blocks indexing ggml's grids. */
/* {f16 d; uint16 qs[32]} */
#define BLOCK_IQ2_XXS_ELEMS 256u
#define BLOCK_IQ2_XXS_BYTES 66u
#define BLOCK_IQ2_XXS_D 0u
#define BLOCK_IQ2_XXS_QS 2u
#define BLOCK_IQ2_XXS_FIELDS(F) F(IQ2_XXS, D, 2u, QS) F(IQ2_XXS, QS, 64u, BYTES)

/* {f16 d; uint16 qs[32]; uint8 scales[8]} */
#define BLOCK_IQ2_XS_ELEMS 256u
#define BLOCK_IQ2_XS_BYTES 74u
#define BLOCK_IQ2_XS_D 0u
#define BLOCK_IQ2_XS_QS 2u
#define BLOCK_IQ2_XS_SCALES 66u
#define BLOCK_IQ2_XS_FIELDS(F) F(IQ2_XS, D, 2u, QS) F(IQ2_XS, QS, 64u, SCALES) F(IQ2_XS, SCALES, 8u, BYTES)

/* {f16 d; uint8 qs[32]; uint8 signs[32]; uint8 qh[8]; uint8 scales[8]} (ggml's qs[64] holds qs, then signs) */
#define BLOCK_IQ2_S_ELEMS 256u
#define BLOCK_IQ2_S_BYTES 82u
#define BLOCK_IQ2_S_D 0u
#define BLOCK_IQ2_S_QS 2u
#define BLOCK_IQ2_S_SIGNS 34u
#define BLOCK_IQ2_S_QH 66u
#define BLOCK_IQ2_S_SCALES 74u
#define BLOCK_IQ2_S_FIELDS(F) \
    F(IQ2_S, D, 2u, QS) F(IQ2_S, QS, 32u, SIGNS) F(IQ2_S, SIGNS, 32u, QH) F(IQ2_S, QH, 8u, SCALES) \
    F(IQ2_S, SCALES, 8u, BYTES)

/* {f16 d; uint8 qs[64]; uint32 aux[8]} (ggml's qs[96] holds qs, then aux: the scales and signs) */
#define BLOCK_IQ3_XXS_ELEMS 256u
#define BLOCK_IQ3_XXS_BYTES 98u
#define BLOCK_IQ3_XXS_D 0u
#define BLOCK_IQ3_XXS_QS 2u
#define BLOCK_IQ3_XXS_AUX 66u
#define BLOCK_IQ3_XXS_FIELDS(F) F(IQ3_XXS, D, 2u, QS) F(IQ3_XXS, QS, 64u, AUX) F(IQ3_XXS, AUX, 32u, BYTES)

/* {f16 d; uint8 qs[64]; uint8 qh[8]; uint8 signs[32]; uint8 scales[4]} */
#define BLOCK_IQ3_S_ELEMS 256u
#define BLOCK_IQ3_S_BYTES 110u
#define BLOCK_IQ3_S_D 0u
#define BLOCK_IQ3_S_QS 2u
#define BLOCK_IQ3_S_QH 66u
#define BLOCK_IQ3_S_SIGNS 74u
#define BLOCK_IQ3_S_SCALES 106u
#define BLOCK_IQ3_S_FIELDS(F) \
    F(IQ3_S, D, 2u, QS) F(IQ3_S, QS, 64u, QH) F(IQ3_S, QH, 8u, SIGNS) F(IQ3_S, SIGNS, 32u, SCALES) \
    F(IQ3_S, SCALES, 4u, BYTES)

/* {f16 d; uint8 qs[32]; uint16 qh[8]} */
#define BLOCK_IQ1_S_ELEMS 256u
#define BLOCK_IQ1_S_BYTES 50u
#define BLOCK_IQ1_S_D 0u
#define BLOCK_IQ1_S_QS 2u
#define BLOCK_IQ1_S_QH 34u
#define BLOCK_IQ1_S_FIELDS(F) F(IQ1_S, D, 2u, QS) F(IQ1_S, QS, 32u, QH) F(IQ1_S, QH, 16u, BYTES)

/* {uint8 qs[32]; uint8 qh[16]; uint16 scales[4]} (no d field: d is spread over the scales' top nibbles) */
#define BLOCK_IQ1_M_ELEMS 256u
#define BLOCK_IQ1_M_BYTES 56u
#define BLOCK_IQ1_M_QS 0u
#define BLOCK_IQ1_M_QH 32u
#define BLOCK_IQ1_M_SCALES 48u
#define BLOCK_IQ1_M_QS_WORD BLOCK_WORD(BLOCK_IQ1_M_QS)
#define BLOCK_IQ1_M_QH_WORD BLOCK_WORD(BLOCK_IQ1_M_QH)
#define BLOCK_IQ1_M_SCALES_WORD BLOCK_WORD(BLOCK_IQ1_M_SCALES)
#define BLOCK_IQ1_M_FIELDS(F) F(IQ1_M, QS, 32u, QH) F(IQ1_M, QH, 16u, SCALES) F(IQ1_M, SCALES, 8u, BYTES)

#endif
