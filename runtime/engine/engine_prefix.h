/* Full cache pages kept by their token content after the sequences that computed them move on, so that a later
 * prompt with the same beginning (a shared system prompt, the earlier turns of a chat) maps them instead of
 * computing them again. A page is found by a key that hashes every token from position 0 through its end, and
 * only reused when it is exactly that prefix: its own tokens are compared, and the kept page before it in the
 * chain must be the one the lookup found there (each kept page has a serial number never given again, so a
 * page evicted and kept anew under other content is not mistaken for the old one). A key collision is then a
 * miss, never another prompt's cache. The store holds each kept page (model_cache_hold); a kept page that no
 * sequence holds is evictable, least recently used first, when the pool needs pages. */
#ifndef MLAVK_ENGINE_PREFIX_H
#define MLAVK_ENGINE_PREFIX_H

#include <stdbool.h>
#include <stdint.h>

#include "model/model.h"

#define PREFIX_NONE 0 /* the serial "before" the first page of a prompt */

typedef struct prefix_store {
    model_cache *cache;
    uint64_t *keys;                /* [n_pages] the content key of each kept page */
    uint64_t *serials;             /* [n_pages] its serial number */
    uint64_t *previous;            /* [n_pages] the serial of the kept page before it, PREFIX_NONE for a first */
    int32_t *tokens;               /* [n_pages][OPS_KV_PAGE_ROWS] its tokens */
    uint64_t *last_used;           /* [n_pages] when it was last kept or found; 0: not kept */
    uint64_t clock, last_serial;
} prefix_store;

mlavk_status prefix_store_init(prefix_store *p, model_cache *cache);
void prefix_store_free(prefix_store *p);

/* The key of the page of OPS_KV_PAGE_ROWS tokens that follows the page keyed previous (0 before the first). */
uint64_t prefix_key(uint64_t previous, const int32_t *tokens);

/* The kept page holding exactly these tokens after the kept page of serial previous (PREFIX_NONE: at position
 * 0), under this key; UINT32_MAX when there is none. */
uint32_t prefix_find(const prefix_store *p, uint64_t key, uint64_t previous, const int32_t *tokens);

/* The serial number of a kept page: the previous of the page after it. */
uint64_t prefix_serial(const prefix_store *p, uint32_t page);

/* Marks a kept page as just used. */
void prefix_touch(prefix_store *p, uint32_t page);

/* Keeps a full page of these tokens, after the kept page of serial previous, under its key, unless a page of the
 * same prefix is kept already; returns the serial of the page that keeps the prefix (the next page's previous). */
uint64_t prefix_keep(prefix_store *p, uint64_t key, uint64_t previous, const int32_t *tokens, uint32_t page);

/* Kept pages that no sequence holds: free for the taking once evicted. */
uint32_t prefix_evictable(const prefix_store *p);

/* Evicts least recently used pages that only the store holds until the pool has n_free free pages; false
 * (having evicted what it could) when there are not enough. */
bool prefix_make_room(prefix_store *p, uint32_t n_free);

#endif
