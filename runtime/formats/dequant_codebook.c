/* Host decoders of the 4-bit codebook types, whose nibbles index a table of 16 values. */
#include "formats/dequant_blocks.h"

/* ggml's kvalues_iq4nl (ggml-common.h). */
static const int8_t iq4nl_values[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

/* {f16 d; uint8 qs[16]}: nibbles ordered as in Q4_0, value d * iq4nl_values[q]. */
void dequant_block_iq4_nl(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b);
    for (int i = 0; i < 16; i++) {
        y[i] = d * iq4nl_values[b[2 + i] & 0xf];
        y[i + 16] = d * iq4nl_values[b[2 + i] >> 4];
    }
}
