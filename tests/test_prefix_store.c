/* The store of kept prefix pages (runtime/engine/engine_prefix.c) never reuses a page on a key match alone. The
 * keys are given through its API, so colliding ones are made on purpose: a page of other tokens under the same
 * key, a page of the same tokens after another page, and a page kept after a page that was evicted and whose
 * pool page now keeps other content, are all misses; the exact prefix is a hit. The pool is a model_cache
 * built on the host (the store touches only its page counts), every page held by a sequence to begin with. */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_prefix.h"
#include "test_util.h"

#define N_PAGES 5
#define KEY 0x1234abcdull /* one key for every page: all collide */

static test_rng rng = {0x5eed};

static void random_page(int32_t *tokens)
{
    for (uint32_t i = 0; i < OPS_KV_PAGE_ROWS; i++)
        tokens[i] = (int32_t)test_rng_below(&rng, 1536);
}

int main(void)
{
    uint32_t refs[N_PAGES], free_pages[N_PAGES];
    model_cache cache = {.n_pages = N_PAGES, .refs = refs, .free_pages = free_pages, .n_free = 0};
    for (uint32_t g = 0; g < N_PAGES; g++)
        refs[g] = 1; /* each held by a sequence */
    prefix_store store;
    CHECK(prefix_store_init(&store, &cache) == MLAVK_OK);
    int32_t a[OPS_KV_PAGE_ROWS], b[OPS_KV_PAGE_ROWS], c[OPS_KV_PAGE_ROWS], d[OPS_KV_PAGE_ROWS];
    random_page(a);
    memcpy(b, a, sizeof a);
    b[OPS_KV_PAGE_ROWS - 1] ^= 1; /* one token differs, the last */
    random_page(c);
    random_page(d);

    /* a first page: found only with its own tokens */
    uint64_t serial_a = prefix_keep(&store, KEY, PREFIX_NONE, a, 0);
    CHECK(serial_a != PREFIX_NONE && refs[0] == 2);
    CHECK(prefix_find(&store, KEY, PREFIX_NONE, a) == 0);
    CHECK_MSG(prefix_find(&store, KEY, PREFIX_NONE, b) == UINT32_MAX, "a page of other tokens under the same key");
    CHECK(prefix_find(&store, KEY + 1, PREFIX_NONE, a) == UINT32_MAX);

    /* the colliding page is kept beside it, each found by its own tokens */
    uint64_t serial_b = prefix_keep(&store, KEY, PREFIX_NONE, b, 1);
    CHECK(serial_b != serial_a && refs[1] == 2);
    CHECK(prefix_find(&store, KEY, PREFIX_NONE, b) == 1 && prefix_find(&store, KEY, PREFIX_NONE, a) == 0);

    /* a second page: found after its own first page, not after another with the same key */
    uint64_t serial_ac = prefix_keep(&store, KEY, serial_a, c, 2);
    CHECK(prefix_find(&store, KEY, serial_a, c) == 2);
    CHECK_MSG(prefix_find(&store, KEY, serial_b, c) == UINT32_MAX, "the same tokens after another first page");
    CHECK(prefix_find(&store, KEY, PREFIX_NONE, c) == UINT32_MAX);

    /* the same prefix computed again is not kept twice: its serial is the kept page's */
    CHECK(prefix_keep(&store, KEY, serial_a, c, 3) == serial_ac && refs[3] == 1);

    /* page 0 evicted, then taken by a sequence and kept with other tokens: the page kept after the old page 0
     * is not found after the new one, though its key, its tokens and the pool page before it are the same */
    for (uint32_t g = 0; g < 3; g++)
        model_cache_drop(&cache, g); /* their sequences let go: the store's hold is their only one */
    CHECK(prefix_evictable(&store) == 3);
    prefix_touch(&store, 2);
    prefix_touch(&store, 1); /* page 0 is now the least recently used */
    CHECK(prefix_make_room(&store, 1) && cache.n_free == 1 && cache.free_pages[0] == 0 && refs[0] == 0);
    CHECK(prefix_find(&store, KEY, PREFIX_NONE, a) == UINT32_MAX);
    cache.n_free = 0;
    refs[0] = 1; /* a sequence takes page 0 */
    uint64_t serial_d = prefix_keep(&store, KEY, PREFIX_NONE, d, 0);
    CHECK(serial_d != serial_a && serial_d != serial_b && serial_d != serial_ac);
    CHECK(prefix_find(&store, KEY, PREFIX_NONE, d) == 0);
    CHECK_MSG(prefix_find(&store, KEY, serial_d, c) == UINT32_MAX, "a page kept after an evicted page");
    CHECK(prefix_find(&store, KEY, serial_a, c) == 2); /* still under its own chain, unreachable from position 0 */

    /* eviction frees every page only the store holds */
    model_cache_drop(&cache, 0);
    CHECK(prefix_make_room(&store, 3) && cache.n_free == 3);
    CHECK(!prefix_make_room(&store, 5) && cache.n_free == 3); /* pages 3 and 4 are a sequence's */
    prefix_store_free(&store);
    return test_finish("prefix store");
}
