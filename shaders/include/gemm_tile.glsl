/* The body of gemm.comp's tiled product, included once per tile width: TILE_FUNCTION(row0, w_base, first, items)
 * computes weight rows row0 .. row0 + ROWS - 1 (of the weight at byte w_base) for batch items first .. first +
 * items - 1, items <= TILE_ITEMS, with TILE_ITEMS items per invocation (past items: clamped, computed, not stored).
 * The includer defines x4, x_row and y_row, and the two macros. */
void TILE_FUNCTION(uint row0, uint w_base, uint first, uint items)
{
    uint x_start[TILE_ITEMS];
    for (uint b = 0u; b < TILE_ITEMS; b++)
        x_start[b] = p.x_offset + x_row(first + min(b, items - 1u)) * p.x_stride;
    uint w_start[ROWS];
    for (uint r = 0u; r < ROWS; r++)
        w_start[r] = w_base + min(row0 + r, p.rows - 1u) * p.row_bytes;
    float acc[ROWS * TILE_ITEMS];
    for (uint i = 0u; i < ROWS * TILE_ITEMS; i++)
        acc[i] = 0.0;

#ifdef WEIGHT_PLAIN
    uint units = (p.cols + UNIT_ELEMS - 1u) / UNIT_ELEMS;
#else
    uint units = p.cols / UNIT_ELEMS;
#endif
    for (uint u = 0u; u < units; u++) {
        vec4 xv[UNIT_GROUPS * TILE_ITEMS];
        for (uint g = 0u; g < UNIT_GROUPS; g++)
            for (uint b = 0u; b < TILE_ITEMS; b++)
                xv[g * TILE_ITEMS + b] = x4(x_start[b], unit_col4(u, g));
        for (uint r = 0u; r < ROWS; r++) {
            unit h = unit_begin(w_start[r], u, p.cols);
            for (uint g = 0u; g < UNIT_GROUPS; g++) {
                vec4 w = unit_group(h, g);
                for (uint b = 0u; b < TILE_ITEMS; b++)
                    acc[r * TILE_ITEMS + b] += dot(w, xv[g * TILE_ITEMS + b]);
            }
        }
    }

    for (uint r = 0u; r < ROWS; r++) {
        for (uint b = 0u; b < TILE_ITEMS; b++) {
            if (row0 + r < p.rows && b < items) {
                uint yi = p.y_offset + y_row(first + b) * p.y_stride + row0 + r;
                y[yi] = p.accumulate != 0u ? y[yi] + acc[r * TILE_ITEMS + b] : acc[r * TILE_ITEMS + b];
            }
        }
    }
}
