/* libFuzzer harness: a whole safetensors file (header length, JSON header, data) from memory. */
#include <stddef.h>
#include <stdint.h>

#include "formats/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_file *st;
    if (st_open_memory(data, size, "fuzz.safetensors", &st) != MLAVK_OK)
        return 0;
    /* Touch the first and last byte of each tensor so ASan sees any bound the parser got wrong. */
    volatile uint8_t sink = 0;
    for (uint32_t i = 0; i < st_tensor_count(st); i++) {
        const st_tensor *t = st_tensor_at(st, i);
        if (t->n_bytes)
            sink ^= ((const uint8_t *)t->data)[0] ^ ((const uint8_t *)t->data)[t->n_bytes - 1];
        if (st_find(st, t->name) != t)
            __builtin_trap();
    }
    (void)sink;
    st_close(st);
    return 0;
}
