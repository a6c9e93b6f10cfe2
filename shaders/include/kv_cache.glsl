/* The latent KV cache: rows of (r_kv + d_r) values, F16 pairs packed in uints by default or F32 with
 * -DCACHE_F32, in pages of KV_PAGE_ROWS rows. Bindings come from the including shader (KV_CACHE_BINDING, and
 * KV_PAGE_TABLE_BINDING for the page table). */
#ifdef CACHE_F32
layout(std430, binding = KV_CACHE_BINDING) KV_CACHE_ACCESS buffer KvCache { float kv_cache[]; };
#else
layout(std430, binding = KV_CACHE_BINDING) KV_CACHE_ACCESS buffer KvCache { uint kv_cache[]; };
#endif

#ifdef KV_PAGE_TABLE_BINDING
layout(std430, binding = KV_PAGE_TABLE_BINDING) readonly buffer PageTable { uint page_table[]; };

/* The pool row holding position pos of sequence slot seq (push_constants.h, KV_PAGE_ROWS). */
uint kv_row(uint seq, uint pos, uint pages_per_seq)
{
    return page_table[seq * pages_per_seq + pos / KV_PAGE_ROWS] * KV_PAGE_ROWS + pos % KV_PAGE_ROWS;
}
#endif

#ifdef KV_CACHE_READ
/* Element i of the flattened cache (row * row_dim + column). */
float kv_cache_load(uint i)
{
#ifdef CACHE_F32
    return kv_cache[i];
#else
    vec2 pair = unpackHalf2x16(kv_cache[i >> 1]);
    return (i & 1u) == 0u ? pair.x : pair.y;
#endif
}
#endif
