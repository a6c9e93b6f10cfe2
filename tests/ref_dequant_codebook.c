/* Reference decoders of the 4-bit codebook types. */
#include "ref_dequant_blocks.h"

/* The IQ4_NL codebook, ggml's kvalues_iq4nl (ggml-common.h). */
static const double iq4nl[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

/* Element e (0..31) of 32 4-bit codes in 16 bytes: the low nibble of byte e for e < 16, else the high one of e - 16. */
static int ref_code(const uint8_t *qs, int e) { return e < 16 ? qs[e] & 15 : qs[e - 16] >> 4; }

/* IQ4_NL {f16 d; uint8 qs[16]}: d iq4nl[code]. */
void ref_block_iq4_nl(const uint8_t *b, double *out)
{
    for (int e = 0; e < 32; e++)
        out[e] = ref_f16(ref_le16(b)) * iq4nl[ref_code(b + 2, e)];
}

/* |d| * 127 about 1. */
void ref_random_block_iq4_nl(test_rng *rng, uint8_t *b) { ref_put16(b, ref_random_f16(rng, -0.008, 0.008)); }
