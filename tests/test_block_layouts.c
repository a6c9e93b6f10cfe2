/* The block layouts the decoders read (shaders/include/block_layouts.h, shared by the shaders and the host
 * decoders) give each type of weight_types.h the block size and element count that formats/ggml_type.c, the
 * loader's independent transcription of ggml's block sizes, gives it. (That the fields fill each block in order is
 * checked statically in formats/dequant_blocks.h.) */
#include <stdio.h>

#include "block_layouts.h"
#include "formats/ggml_type.h"
#include "formats/weight_types.h"
#include "test_util.h"

static void check_type(uint32_t type, const char *name, uint32_t layout_elems, uint32_t layout_bytes)
{
    const ggml_type_traits *t = ggml_type_get(type);
    CHECK_MSG(t != NULL, "%s: ggml_type.c has no entry", name);
    if (!t)
        return;
    CHECK_MSG(t->block_elems == layout_elems, "%s: block_layouts.h has %u elements a block, ggml_type.c %u", name,
              layout_elems, t->block_elems);
    CHECK_MSG(t->block_bytes == layout_bytes, "%s: block_layouts.h has %u bytes a block, ggml_type.c %u", name,
              layout_bytes, t->block_bytes);
}

int main(void)
{
    int types = 0;
#define CHECK_LAYOUT(T, t, unit_elems, gemm_items) \
    check_type(GGML_TYPE_##T, #t, BLOCK_##T##_ELEMS, BLOCK_##T##_BYTES), types++;
    MLAVK_WEIGHT_TYPES(CHECK_LAYOUT)
#undef CHECK_LAYOUT
    CHECK(types > 0);
    printf("%d weight types checked\n", types);
    return test_finish("block_layouts_match_ggml_type_sizes_for_every_weight_type");
}
