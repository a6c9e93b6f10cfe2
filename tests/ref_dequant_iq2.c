/* Reference decoders of the IQ2 types (2-bit codebook quants, 256-element super-blocks), value by value. The
 * codebooks are format data, shared with the runtime (formats/iq2_grids.h); the decoding is written here. */
#include "formats/iq2_grids.h"
#include "ref_dequant_blocks.h"

/* Value i of a run of 8: magnitude byte i of the codebook entry, negated by the sign bit. */
static double run_value(uint64_t entry, int i, int negative)
{
    double magnitude = (double)((entry >> (8 * i)) & 0xff);
    return negative ? -magnitude : magnitude;
}

/* Sign i of a run given by 7 stored bits: bit i, and for i = 7 whatever makes the count of negatives even. */
static int sign_from7(unsigned bits7, int i)
{
    if (i < 7)
        return (bits7 >> i) & 1;
    int count = 0;
    for (int j = 0; j < 7; j++)
        count += (bits7 >> j) & 1;
    return count % 2;
}

/* The scale of a 4-bit field s: d (1/2 + s) / 4. */
static double sub_scale(double d, unsigned s) { return d * (0.5 + s) / 4.0; }

/* IQ2_XXS {f16 d; uint16 qs[32]}: each 32 values have 8 bytes: four 8-bit grid indices, then a little-endian word
 * of four 7-bit sign fields (one per run of 8) and a 4-bit scale on top. */
void ref_block_iq2_xxs(const uint8_t *b, double *out)
{
    double d = ref_f16(ref_le16(b));
    for (int i = 0; i < 256; i++) {
        const uint8_t *sub = b + 2 + 8 * (i / 32);
        int run = (i / 8) % 4;
        uint32_t word = (uint32_t)sub[4] | (uint32_t)sub[5] << 8 | (uint32_t)sub[6] << 16 | (uint32_t)sub[7] << 24;
        unsigned bits7 = (word >> (7 * run)) & 127;
        out[i] = sub_scale(d, word >> 28) * run_value(iq2xxs_grid[sub[run]], i % 8, sign_from7(bits7, i % 8));
    }
}

/* |value| <= d * 15.5 / 4 * 43, about 167 d: d up to 6e-3 keeps values within 1 (either sign of d is legal). */
void ref_random_block_iq2_xxs(test_rng *rng, uint8_t *b) { ref_put16(b, ref_random_f16(rng, -6e-3, 6e-3)); }

/* IQ2_XS {f16 d; uint16 qs[32]; uint8 scales[8]}: run r (8 values) has the 16-bit qs[r], a 9-bit grid index below
 * 7 sign bits; 16 values share a 4-bit scale: nibble (r / 2) % 2 of scales[r / 4]. */
void ref_block_iq2_xs(const uint8_t *b, double *out)
{
    double d = ref_f16(ref_le16(b));
    for (int i = 0; i < 256; i++) {
        int run = i / 8;
        unsigned q = ref_le16(b + 2 + 2 * run);
        unsigned s = (run / 2) % 2 ? b[66 + run / 4] >> 4 : b[66 + run / 4] & 15;
        out[i] = sub_scale(d, s) * run_value(iq2xs_grid[q % 512], i % 8, sign_from7(q / 512, i % 8));
    }
}

void ref_random_block_iq2_xs(test_rng *rng, uint8_t *b) { ref_random_block_iq2_xxs(rng, b); }

/* IQ2_S {f16 d; uint8 qs[64]; uint8 qh[8]; uint8 scales[8]}: run r (8 values) has grid index qs[r] + 256 times
 * the 2-bit field r % 4 of qh[r / 4], its 8 sign bits in qs[32 + r], and the scale of IQ2_XS. */
void ref_block_iq2_s(const uint8_t *b, double *out)
{
    double d = ref_f16(ref_le16(b));
    for (int i = 0; i < 256; i++) {
        int run = i / 8;
        unsigned index = b[2 + run] + 256 * ((b[66 + run / 4] >> (2 * (run % 4))) & 3);
        unsigned s = (run / 2) % 2 ? b[74 + run / 4] >> 4 : b[74 + run / 4] & 15;
        int negative = (b[34 + run] >> (i % 8)) & 1;
        out[i] = sub_scale(d, s) * run_value(iq2s_grid[index], i % 8, negative);
    }
}

void ref_random_block_iq2_s(test_rng *rng, uint8_t *b) { ref_random_block_iq2_xxs(rng, b); }
