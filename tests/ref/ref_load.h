/* Builds the double-precision reference model from a model's tensors, decoding every weight with the test
 * dequantizer and re-assembling attn_kv_b from attn_k_b / attn_v_b when a file has them split. */
#ifndef MLAVK_REF_LOAD_H
#define MLAVK_REF_LOAD_H

#include "formats/model_files.h"
#include "ref/ref_model.h"

/* Returns false (with a message on stderr) when a tensor is missing or cannot be decoded. */
bool ref_model_load(const model_files *files, ref_model *out);
void ref_model_free(ref_model *m);

#endif
