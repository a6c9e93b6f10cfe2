/* The store of cache pages kept by content (see engine_prefix.h). A pool has at most some thousands of pages,
 * so lookups and evictions scan it: microseconds per prompt page, next to a forward pass of milliseconds. */
#include <stdlib.h>
#include <string.h>

#include "engine_prefix.h"
#include "util/status.h"

mlavk_status prefix_store_init(prefix_store *p, model_cache *cache)
{
    *p = (prefix_store){.cache = cache};
    p->keys = calloc(cache->n_pages, sizeof *p->keys);
    p->serials = calloc(cache->n_pages, sizeof *p->serials);
    p->previous = calloc(cache->n_pages, sizeof *p->previous);
    p->tokens = calloc((size_t)cache->n_pages * OPS_KV_PAGE_ROWS, sizeof *p->tokens);
    p->last_used = calloc(cache->n_pages, sizeof *p->last_used);
    if (!p->keys || !p->serials || !p->previous || !p->tokens || !p->last_used) {
        prefix_store_free(p);
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "prefix store: out of memory");
    }
    return MLAVK_OK;
}

void prefix_store_free(prefix_store *p)
{
    free(p->keys);
    free(p->serials);
    free(p->previous);
    free(p->tokens);
    free(p->last_used);
    *p = (prefix_store){0};
}

/* FNV-1a over the token bytes, chained from the previous page's key, then a final mix (splitmix64's) so that
 * keys of pages that differ in one token differ in every bit position alike. */
uint64_t prefix_key(uint64_t previous, const int32_t *tokens)
{
    uint64_t h = previous ^ 0xcbf29ce484222325ull;
    for (uint32_t i = 0; i < OPS_KV_PAGE_ROWS; i++)
        for (uint32_t byte = 0; byte < 4; byte++) {
            h ^= ((uint32_t)tokens[i] >> (8 * byte)) & 0xffu;
            h *= 0x100000001b3ull;
        }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

static const int32_t *page_tokens(const prefix_store *p, uint32_t page)
{
    return p->tokens + (size_t)page * OPS_KV_PAGE_ROWS;
}

uint32_t prefix_find(const prefix_store *p, uint64_t key, uint64_t previous, const int32_t *tokens)
{
    for (uint32_t page = 0; page < p->cache->n_pages; page++)
        if (p->last_used[page] && p->keys[page] == key && p->previous[page] == previous &&
            memcmp(page_tokens(p, page), tokens, OPS_KV_PAGE_ROWS * sizeof *tokens) == 0)
            return page;
    return UINT32_MAX;
}

uint64_t prefix_serial(const prefix_store *p, uint32_t page) { return p->serials[page]; }

void prefix_touch(prefix_store *p, uint32_t page) { p->last_used[page] = ++p->clock; }

uint64_t prefix_keep(prefix_store *p, uint64_t key, uint64_t previous, const int32_t *tokens, uint32_t page)
{
    if (p->last_used[page])
        return p->serials[page];
    uint32_t same = prefix_find(p, key, previous, tokens);
    if (same != UINT32_MAX)
        return p->serials[same];
    p->keys[page] = key;
    p->serials[page] = ++p->last_serial;
    p->previous[page] = previous;
    memcpy(p->tokens + (size_t)page * OPS_KV_PAGE_ROWS, tokens, OPS_KV_PAGE_ROWS * sizeof *tokens);
    prefix_touch(p, page);
    model_cache_hold(p->cache, page);
    return p->serials[page];
}

uint32_t prefix_evictable(const prefix_store *p)
{
    uint32_t n = 0;
    for (uint32_t page = 0; page < p->cache->n_pages; page++)
        n += p->last_used[page] && p->cache->refs[page] == 1;
    return n;
}

bool prefix_make_room(prefix_store *p, uint32_t n_free)
{
    while (p->cache->n_free < n_free) {
        uint32_t oldest = UINT32_MAX;
        for (uint32_t page = 0; page < p->cache->n_pages; page++)
            if (p->last_used[page] && p->cache->refs[page] == 1 &&
                (oldest == UINT32_MAX || p->last_used[page] < p->last_used[oldest]))
                oldest = page;
        if (oldest == UINT32_MAX)
            return false;
        p->last_used[oldest] = 0;
        model_cache_drop(p->cache, oldest);
    }
    return true;
}
