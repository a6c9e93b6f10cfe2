/* Full cache pages kept by their token content after the sequences that computed them move on, so that a later
 * prompt with the same beginning (a shared system prompt, the earlier turns of a chat) maps them instead of
 * computing them again. A page's key covers every token from position 0 through its end, so a page is only
 * reused under an identical prefix. The store holds each kept page (model_cache_hold); a kept page that no
 * sequence holds is evictable, least recently used first, when the pool needs pages. */
#ifndef MLAVK_ENGINE_PREFIX_H
#define MLAVK_ENGINE_PREFIX_H

#include <stdbool.h>
#include <stdint.h>

#include "model/model.h"

typedef struct prefix_store {
    model_cache *cache;
    uint64_t *keys;                /* [n_pages] the content key of each kept page */
    uint64_t *last_used;           /* [n_pages] when it was last kept or found; 0: not kept */
    uint64_t clock;
} prefix_store;

mlavk_status prefix_store_init(prefix_store *p, model_cache *cache);
void prefix_store_free(prefix_store *p);

/* The key of the page of OPS_KV_PAGE_ROWS tokens that follows the page keyed previous (0 before the first). */
uint64_t prefix_key(uint64_t previous, const int32_t *tokens);

/* The kept page with this key, or UINT32_MAX. */
uint32_t prefix_find(const prefix_store *p, uint64_t key);

/* Marks a kept page as just used. */
void prefix_touch(prefix_store *p, uint32_t page);

/* Keeps a full page under its key (nothing when a page is already kept under it). */
void prefix_keep(prefix_store *p, uint64_t key, uint32_t page);

/* Kept pages that no sequence holds: free for the taking once evicted. */
uint32_t prefix_evictable(const prefix_store *p);

/* Evicts least recently used pages that only the store holds until the pool has n_free free pages; false
 * (having evicted what it could) when there are not enough. */
bool prefix_make_room(prefix_store *p, uint32_t n_free);

#endif
