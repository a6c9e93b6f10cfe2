/* Reference decoders of the 3-bit codebook types (IQ3_XXS, IQ3_S), value by value from the block layouts. The
 * codebooks are format data (formats/iq3_grids.h); the decoding here is written independently of runtime/. */
#include "formats/iq3_grids.h"
#include "ref_dequant_blocks.h"

/* Magnitude k (0-3) of a codebook entry. */
static int grid_byte(uint32_t entry, int k) { return (int)((entry >> (8 * k)) & 255); }

/* IQ3_XXS {f16 d; qs[64]; aux[32]}: value v of sub-block i = v / 32 is grid[qs[8i + w / 4]] byte w % 4 (w = v % 32)
 * times d (0.5 + top nibble of aux word i) / 2, negated by sign bit w % 8 of the 7-bit field w / 8 of that word;
 * the missing 8th bit is the parity of the field's 7. */
void ref_block_iq3_xxs(const uint8_t *b, double *out)
{
    double d = ref_f16(ref_le16(b));
    for (int v = 0; v < 256; v++) {
        int i = v / 32, w = v % 32;
        const uint8_t *a = b + 66 + 4 * i;
        uint32_t aux = (uint32_t)a[0] | (uint32_t)a[1] << 8 | (uint32_t)a[2] << 16 | (uint32_t)a[3] << 24;
        int field = (int)((aux >> (7 * (w / 8))) & 127), negative;
        if (w % 8 < 7) {
            negative = (field >> (w % 8)) & 1;
        } else {
            negative = 0;
            for (int k = 0; k < 7; k++)
                negative ^= (field >> k) & 1;
        }
        double magnitude = grid_byte(iq3xxs_grid[b[2 + 8 * i + w / 4]], w % 4);
        out[v] = d * (0.5 + (aux >> 28)) * 0.5 * (negative ? -magnitude : magnitude);
    }
}

/* Scales that keep d * (2 * 15 + 1) / 4 * 62 near 1; the codebook's magnitudes reach 62. */
void ref_random_block_iq3_xxs(test_rng *rng, uint8_t *b) { ref_put16(b, ref_random_f16(rng, 1e-3, 4e-3)); }

/* IQ3_S {f16 d; qs[64]; qh[8]; signs[32]; scales[4]}: value v of sub-block i = v / 32 (w = v % 32) is byte w % 4
 * of grid[qs[8i + w / 4] + 256 * (bit w / 4 of qh[i])], times d (1 + 2 * nibble i of scales, low nibble first),
 * negated by bit w of the little-endian 32-bit signs[4i..4i+3]. */
void ref_block_iq3_s(const uint8_t *b, double *out)
{
    double d = ref_f16(ref_le16(b));
    for (int v = 0; v < 256; v++) {
        int i = v / 32, w = v % 32;
        int index = b[2 + 8 * i + w / 4] + 256 * ((b[66 + i] >> (w / 4)) & 1);
        int nibble = i % 2 ? b[106 + i / 2] >> 4 : b[106 + i / 2] & 15;
        int negative = (b[74 + 4 * i + w / 8] >> (w % 8)) & 1;
        double magnitude = grid_byte(iq3s_grid[index], w % 4);
        out[v] = d * (1 + 2 * nibble) * (negative ? -magnitude : magnitude);
    }
}

/* Scales that keep d * (1 + 2 * 15) * 15 near 1; the codebook's magnitudes reach 15. */
void ref_random_block_iq3_s(test_rng *rng, uint8_t *b) { ref_put16(b, ref_random_f16(rng, 1e-3, 4e-3)); }
