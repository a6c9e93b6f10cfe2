# The CPU reference decoders (ref_dequant.h), one file per type family; used by the kernel and model tests and by
# tools/bench_kernels.
set(MLAVK_REF_DEQUANT_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/ref_dequant.c
  ${CMAKE_CURRENT_LIST_DIR}/ref_dequant_legacy.c
  ${CMAKE_CURRENT_LIST_DIR}/ref_dequant_codebook.c
  ${CMAKE_CURRENT_LIST_DIR}/ref_dequant_k.c
  ${CMAKE_CURRENT_LIST_DIR}/ref_dequant_ternary.c
  ${CMAKE_CURRENT_LIST_DIR}/ref_dequant_iq2.c
  ${CMAKE_CURRENT_LIST_DIR}/ref_dequant_iq3.c
  ${CMAKE_CURRENT_LIST_DIR}/ref_dequant_iq1.c)
