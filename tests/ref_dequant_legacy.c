/* Reference decoders of the 32-element block types. */
#include "ref_dequant_blocks.h"

/* Q8_0 {f16 d; int8 qs[32]}: d * q. */
void ref_block_q8_0(const uint8_t *b, double *out)
{
    for (int i = 0; i < 32; i++)
        out[i] = ref_f16(ref_le16(b)) * (int8_t)b[2 + i];
}

/* Q4_0 {f16 d; uint8 qs[16]}: element i < 16 is the low nibble of qs[i], element 16 + i the high one; d (q - 8). */
void ref_block_q4_0(const uint8_t *b, double *out)
{
    for (int i = 0; i < 16; i++) {
        out[i] = ref_f16(ref_le16(b)) * ((b[2 + i] & 15) - 8);
        out[16 + i] = ref_f16(ref_le16(b)) * ((b[2 + i] >> 4) - 8);
    }
}

/* The 5-bit quant of element e (0..31) of a block whose 4 qh bytes start at qh: the nibble of qs[e % 16] (low half
 * for e < 16) plus 16 times bit e of the 32-bit little-endian qh. */
static int ref_q5(const uint8_t *qh, const uint8_t *qs, int e)
{
    int nibble = e < 16 ? qs[e] & 15 : qs[e - 16] >> 4;
    int fifth = (qh[e / 8] >> (e % 8)) & 1;
    return nibble + 16 * fifth;
}

/* Q5_0 {f16 d; uint8 qh[4]; uint8 qs[16]}: d (q - 16). */
void ref_block_q5_0(const uint8_t *b, double *out)
{
    for (int e = 0; e < 32; e++)
        out[e] = ref_f16(ref_le16(b)) * (ref_q5(b + 2, b + 6, e) - 16);
}

/* Q5_1 {f16 d; f16 m; uint8 qh[4]; uint8 qs[16]}: d q + m. */
void ref_block_q5_1(const uint8_t *b, double *out)
{
    for (int e = 0; e < 32; e++)
        out[e] = ref_f16(ref_le16(b)) * ref_q5(b + 4, b + 8, e) + ref_f16(ref_le16(b + 2));
}

/* Q4_1 {f16 d; f16 m; uint8 qs[16]}: the Q4_0 nibble order, d q + m. */
void ref_block_q4_1(const uint8_t *b, double *out)
{
    for (int e = 0; e < 32; e++) {
        int q = e < 16 ? b[4 + e] & 15 : b[4 + e - 16] >> 4;
        out[e] = ref_f16(ref_le16(b)) * q + ref_f16(ref_le16(b + 2));
    }
}

/* One signed scale (a negative d is legal). */
void ref_random_block_q8_0(test_rng *rng, uint8_t *b) { ref_put16(b, ref_random_f16(rng, -0.05, 0.05)); }
void ref_random_block_q4_0(test_rng *rng, uint8_t *b) { ref_put16(b, ref_random_f16(rng, -0.05, 0.05)); }
void ref_random_block_q5_0(test_rng *rng, uint8_t *b) { ref_put16(b, ref_random_f16(rng, -0.05, 0.05)); }
/* A scale and a minimum (usually negative, as the quantizer writes: the smallest value of the block). */
void ref_random_block_q5_1(test_rng *rng, uint8_t *b)
{
    ref_put16(b, ref_random_f16(rng, 0.0, 0.05));
    ref_put16(b + 2, ref_random_f16(rng, -0.8, 0.2));
}
void ref_random_block_q4_1(test_rng *rng, uint8_t *b)
{
    ref_put16(b, ref_random_f16(rng, 0.0, 0.1));
    ref_put16(b + 2, ref_random_f16(rng, -0.8, 0.2));
}
