/* Reference decoders of the 1.5-bit codebook types (IQ1_S, IQ1_M), value by value from the block layouts. The
 * codebook is format data (formats/iq1_grid.h); the decoding here is written independently of runtime/. */
#include "formats/iq1_grid.h"
#include "ref_dequant_blocks.h"

/* Value k (0-7) of codebook entry index: a signed byte. */
static int grid_value(int index, int k) { return (int8_t)((iq1s_grid[index] >> (8 * k)) & 255); }

/* IQ1_S {f16 d; qs[32]; qh[8] (16-bit)}: value v of sub-block i = v / 32, run r = (v % 32) / 8, is
 * d (2 s + 1) (grid[qs[4i + r] + 256 * ((qh[i] >> 3r) & 7)][v % 8] +- 1/8), s = bits 12-14 of qh[i], delta
 * negative when bit 15 is set. */
void ref_block_iq1_s(const uint8_t *b, double *out)
{
    double d = ref_f16(ref_le16(b));
    for (int v = 0; v < 256; v++) {
        int i = v / 32, r = (v % 32) / 8;
        int qh = ref_le16(b + 34 + 2 * i);
        int index = b[2 + 4 * i + r] + 256 * ((qh >> (3 * r)) & 7);
        double delta = (qh >> 15) ? -IQ1_DELTA : IQ1_DELTA;
        out[v] = d * (2 * ((qh >> 12) & 7) + 1) * (grid_value(index, v % 8) + delta);
    }
}

/* Scales that keep d * (2 * 7 + 1) * 1.125 near 1. */
void ref_random_block_iq1_s(test_rng *rng, uint8_t *b) { ref_put16(b, ref_random_f16(rng, 1e-2, 6e-2)); }

/* IQ1_M {qs[32]; qh[16]; scales[8]}: with sc[k] the 16-bit scales[2k..2k+1], d is the f16 whose nibbles, low to
 * high, are the top nibbles of sc[0], sc[1], sc[2], sc[3]. Value v of sub-block i = v / 32, run r = (v % 32) / 8,
 * is d (2 s + 1) (grid[qs[4i + r] + 256 * (n & 7)][v % 8] +- 1/8), n the nibble qh[2i + r / 2] >> 4 (r % 2) (delta
 * negative when its bit 3 is set), s the 3 bits at 3 (r / 2) + 6 (i % 2) of sc[i / 2]. */
void ref_block_iq1_m(const uint8_t *b, double *out)
{
    int sc[4];
    for (int k = 0; k < 4; k++)
        sc[k] = ref_le16(b + 48 + 2 * k);
    double d = ref_f16((uint16_t)((sc[0] >> 12) | ((sc[1] >> 12) << 4) | ((sc[2] >> 12) << 8) | ((sc[3] >> 12) << 12)));
    for (int v = 0; v < 256; v++) {
        int i = v / 32, r = (v % 32) / 8;
        int n = (b[32 + 2 * i + r / 2] >> (4 * (r % 2))) & 15;
        int s = (sc[i / 2] >> (3 * (r / 2) + 6 * (i % 2))) & 7;
        double delta = (n & 8) ? -IQ1_DELTA : IQ1_DELTA;
        out[v] = d * (2 * s + 1) * (grid_value(b[4 * i + r] + 256 * (n & 7), v % 8) + delta);
    }
}

/* d lives in the top nibbles of the 4 scale words: set them for d * (2 * 7 + 1) * 1.125 near 1. */
void ref_random_block_iq1_m(test_rng *rng, uint8_t *b)
{
    uint16_t d = ref_random_f16(rng, 1e-2, 6e-2);
    for (int k = 0; k < 4; k++)
        b[49 + 2 * k] = (uint8_t)((b[49 + 2 * k] & 0x0f) | (((d >> (4 * k)) & 15) << 4));
}
