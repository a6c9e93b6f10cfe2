/* The latent KV cache: rows of (r_kv + d_r) values, F16 pairs packed in uints by default or F32 with
 * -DCACHE_F32. Binding and element count come from the including shader (KV_CACHE_BINDING). */
#ifdef CACHE_F32
layout(std430, binding = KV_CACHE_BINDING) KV_CACHE_ACCESS buffer KvCache { float kv_cache[]; };
#else
layout(std430, binding = KV_CACHE_BINDING) KV_CACHE_ACCESS buffer KvCache { uint kv_cache[]; };
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
