/* The host decoders (runtime/formats/dequant*.c, used at load time) equal the double-precision reference for every
 * weight type, on random blocks; a count that is no whole number of blocks and an unknown type are refused.
 * Each decoded value is one float product (or a sum of two) of exactly representable terms, so the only error is
 * the float rounding of the result: bound 1e-6 relative to the largest value of the row, 1e-6 relative to each. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "formats/dequant.h"
#include "ref_dequant.h"
#include "test_util.h"

static void check_type(test_rng *rng, ggml_type type)
{
    const ggml_type_traits *t = ggml_type_get(type);
    uint32_t cols = t->block_elems * (t->block_elems == 1 ? 301 : t->block_elems == 32 ? 11 : 3);
    size_t bytes = ref_row_bytes(type, cols);
    uint8_t *row = malloc(bytes);
    float *got = malloc(cols * sizeof *got);
    double *want = malloc(cols * sizeof *want);
    ref_random_weights(rng, type, 1, cols, row);
    ref_dequant_row(type, row, cols, want);
    test_poison_f32(got, cols);
    CHECK_MSG(dequantize_to_f32(type, row, got, cols, "row") == MLAVK_OK, "%s: %s", t->name, mlavk_last_error());
    double amax = 0;
    for (uint32_t i = 0; i < cols; i++)
        amax = fmax(amax, fabs(want[i]));
    char label[64];
    snprintf(label, sizeof label, "host decoder %s", t->name);
    test_compare(label, got, want, cols, 1e-6 * amax, 1e-6);
    if (t->block_elems > 1)
        CHECK(dequantize_to_f32(type, row, got, cols - 1, "row") == MLAVK_ERR_UNSUPPORTED);
    free(row), free(got), free(want);
}

int main(void)
{
    test_rng rng = {99};
    for (size_t t = 0; t < ref_weight_type_count; t++)
        check_type(&rng, ref_weight_types[t]);
    float out[32];
    CHECK(dequantize_to_f32(GGML_TYPE_Q8_1, out, out, 32, "q8_1 tensor") == MLAVK_ERR_UNSUPPORTED);
    CHECK(dequantize_to_f32(4, out, out, 32, "id 4 tensor") == MLAVK_ERR_UNSUPPORTED);
    return test_finish("host_decoders_match_the_reference_for_every_weight_type");
}
