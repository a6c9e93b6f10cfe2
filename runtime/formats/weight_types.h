/* The weight types the GPU kernels read. This list is the one place a type is named: the shader variants
 * (shaders/CMakeLists.txt parses the X lines below), the op table and decode-unit sizes (runtime/ops), the loader's
 * checks (ggml_type_runnable), the host decoders (runtime/formats/dequant*.c), the tests' references and the
 * benchmark's cases are all made from it. Adding a type is one line here, its block layout in
 * shaders/include/block_layouts.h, and its decoders: the shaders' in shaders/include/quant_<family>.glsl, the host
 * decoder in runtime/formats/dequant_<family>.c and the double-precision test reference in
 * tests/ref_dequant_<family>.c.
 *
 * X(TYPE, name, unit_elems, gemm_items)
 *   TYPE        the GGML_TYPE_<TYPE> id (formats/ggml_type.h, which gives the block layout's size)
 *   name        lower case, as in shader and op names
 *   unit_elems  values one invocation decodes together (UNIT_ELEMS in quant.glsl, given to each shader by CMake)
 *   gemm_items  batch items per invocation of the tiled product (gemm.comp), measured on lavapipe: more outgrow what
 *               the shader compiler unrolls, and the register arrays become memory
 * Keep one X(...) per line in exactly this form: CMake reads it with a regular expression. */
#ifndef MLAVK_FORMATS_WEIGHT_TYPES_H
#define MLAVK_FORMATS_WEIGHT_TYPES_H

#define MLAVK_WEIGHT_TYPES(X) \
    X(F32, f32, 4, 4) \
    X(F16, f16, 8, 4) \
    X(BF16, bf16, 8, 4) \
    X(Q8_0, q8_0, 32, 4) \
    X(Q4_0, q4_0, 32, 4) \
    X(Q4_1, q4_1, 32, 4) \
    X(Q5_0, q5_0, 32, 4) \
    X(Q5_1, q5_1, 32, 4) \
    X(Q2_K, q2_k, 32, 4) \
    X(Q3_K, q3_k, 32, 4) \
    X(Q4_K, q4_k, 32, 4) \
    X(Q5_K, q5_k, 32, 2) \
    X(Q6_K, q6_k, 64, 4) \
    X(IQ4_NL, iq4_nl, 32, 3) \
    X(IQ4_XS, iq4_xs, 32, 3) \
    X(MXFP4, mxfp4, 32, 4) \
    X(TQ1_0, tq1_0, 32, 4) \
    X(TQ2_0, tq2_0, 32, 4) \
    X(IQ2_XXS, iq2_xxs, 32, 4) \
    X(IQ2_XS, iq2_xs, 32, 4) \
    X(IQ2_S, iq2_s, 32, 4) \
    X(IQ3_XXS, iq3_xxs, 32, 4) \
    X(IQ3_S, iq3_s, 32, 4) \
    X(IQ1_S, iq1_s, 32, 4) \
    X(IQ1_M, iq1_m, 32, 4)

#endif
