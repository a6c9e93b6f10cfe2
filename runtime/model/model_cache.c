/* The paged latent cache: one pool of pages per layer, page tables per sequence slot, and the batch of a step
 * (whose tokens take pages as their sequences grow). */
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "util/status.h"

uint64_t model_kv_bytes_per_token(const deepseek_config *c, ops_cache_type cache_type)
{
    return (uint64_t)c->n_layer * (c->kv_lora_rank + c->qk_rope_head_dim) * (cache_type == OPS_CACHE_F16 ? 2 : 4);
}

mlavk_status model_cache_create(const model *m, uint32_t n_pages, uint32_t max_seqs, uint32_t max_seq_len,
                                ops_cache_type type, model_cache **out)
{
    *out = NULL;
    const deepseek_config *cfg = &m->config;
    if (n_pages == 0 || max_seqs == 0 || max_seq_len == 0)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "kv cache: %u pages for %u sequences of %u positions", n_pages,
                          max_seqs, max_seq_len);
    model_cache *c = calloc(1, sizeof *c);
    if (!c)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "kv cache: out of memory");
    c->type = type;
    c->n_pages = n_pages;
    c->max_seqs = max_seqs;
    c->max_seq_len = max_seq_len;
    c->pages_per_seq = (max_seq_len + OPS_KV_PAGE_ROWS - 1) / OPS_KV_PAGE_ROWS;
    c->pool_layer_bytes = (uint64_t)n_pages * OPS_KV_PAGE_ROWS * model_kv_bytes_per_token(cfg, type) / cfg->n_layer;
    c->pools = calloc(cfg->n_layer, sizeof *c->pools);
    c->lengths = calloc(max_seqs, sizeof *c->lengths);
    c->free_pages = malloc(n_pages * sizeof *c->free_pages);
    c->refs = calloc(n_pages, sizeof *c->refs);
    mlavk_status status = c->pools && c->lengths && c->free_pages && c->refs
                              ? MLAVK_OK
                              : mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "kv cache: out of memory");
    for (uint32_t l = 0; l < cfg->n_layer && status == MLAVK_OK; l++)
        status = vk_buffer_create(m->ctx, c->pool_layer_bytes, VK_MEMORY_DEVICE, "kv cache pool", &c->pools[l]);
    if (status == MLAVK_OK)
        status = vk_buffer_create(m->ctx, (uint64_t)max_seqs * c->pages_per_seq * 4, VK_MEMORY_UPLOAD,
                                  "kv page table", &c->page_table);
    if (status != MLAVK_OK) {
        model_cache_free(m, c);
        return status;
    }
    memset(c->page_table.mapped, 0, c->page_table.size);
    for (uint32_t i = 0; i < n_pages; i++) /* page 0 on top: a lone sequence's pages come in order */
        c->free_pages[i] = n_pages - 1 - i;
    c->n_free = n_pages;
    *out = c;
    return MLAVK_OK;
}

void model_cache_free(const model *m, model_cache *c)
{
    if (!c)
        return;
    for (uint32_t l = 0; c->pools && l < m->config.n_layer; l++)
        vk_buffer_destroy(m->ctx, &c->pools[l]);
    vk_buffer_destroy(m->ctx, &c->page_table);
    free(c->pools);
    free(c->lengths);
    free(c->free_pages);
    free(c->refs);
    free(c);
}

uint32_t model_cache_room(const model_cache *c, uint32_t seq)
{
    return c->max_seq_len - c->lengths[seq];
}

static uint32_t pages_for(uint32_t positions) { return (positions + OPS_KV_PAGE_ROWS - 1) / OPS_KV_PAGE_ROWS; }

const uint32_t *model_cache_pages(const model_cache *c, uint32_t seq)
{
    return (const uint32_t *)c->page_table.mapped + (size_t)seq * c->pages_per_seq;
}

void model_cache_hold(model_cache *c, uint32_t page) { c->refs[page]++; }

void model_cache_drop(model_cache *c, uint32_t page)
{
    if (--c->refs[page] == 0)
        c->free_pages[c->n_free++] = page;
}

void model_cache_release(model_cache *c, uint32_t seq)
{
    const uint32_t *table = model_cache_pages(c, seq);
    for (uint32_t g = pages_for(c->lengths[seq]); g > 0; g--)
        model_cache_drop(c, table[g - 1]);
    c->lengths[seq] = 0;
}

mlavk_status model_cache_map(model_cache *c, uint32_t seq, const uint32_t *pages, uint32_t n)
{
    if (seq >= c->max_seqs || c->lengths[seq] != 0 || n > c->pages_per_seq)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "kv cache: %u shared pages for sequence slot %u of %u", n, seq,
                          c->max_seqs);
    for (uint32_t g = 0; g < n; g++)
        if (pages[g] >= c->n_pages || c->refs[pages[g]] == 0)
            return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "kv cache: page %u is not in use", pages[g]);
    uint32_t *table = (uint32_t *)c->page_table.mapped + (size_t)seq * c->pages_per_seq;
    for (uint32_t g = 0; g < n; g++) {
        table[g] = pages[g];
        c->refs[pages[g]]++;
    }
    c->lengths[seq] = n * OPS_KV_PAGE_ROWS;
    return MLAVK_OK;
}

/* Takes pool pages for positions [length, length + n) of a sequence; all or none. */
static mlavk_status grow(model_cache *c, uint32_t seq, uint32_t n)
{
    if (n > model_cache_room(c, seq))
        return mlavk_fail(MLAVK_ERR_CONTEXT_FULL,
                          "%u tokens do not fit in the context: %u of %u positions are already used", n,
                          c->lengths[seq], c->max_seq_len);
    uint32_t have = pages_for(c->lengths[seq]), need = pages_for(c->lengths[seq] + n);
    if (need - have > c->n_free)
        return mlavk_fail(MLAVK_ERR_CONTEXT_FULL, "kv cache: %u more pages needed but %u of %u are free",
                          need - have, c->n_free, c->n_pages);
    uint32_t *table = (uint32_t *)c->page_table.mapped + (size_t)seq * c->pages_per_seq;
    for (uint32_t g = have; g < need; g++) {
        table[g] = c->free_pages[--c->n_free];
        c->refs[table[g]] = 1;
    }
    c->lengths[seq] += n;
    return MLAVK_OK;
}

mlavk_status model_batch_add(model_state *s, model_cache *c, model_batch *b, uint32_t seq, const int32_t *tokens,
                             uint32_t n)
{
    uint32_t *ids = s->tokens.mapped, *positions = s->positions.mapped, *seqs = s->seq_ids.mapped;
    if (seq >= c->max_seqs)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "batch: sequence slot %u of %u", seq, c->max_seqs);
    if (n == 0 || n > s->max_batch - b->n_tokens)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "batch: %u more tokens after %u (at most %u)", n, b->n_tokens,
                          s->max_batch);
    if (b->n_seqs > 0 && n != 1)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT,
                          "batch: only its first sequence may bring several tokens, not sequence %u (%u)", seq, n);
    for (uint32_t i = 0; i < b->n_tokens; i++)
        if (seqs[i] == seq)
            return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "batch: sequence %u is in it already", seq);
    uint32_t past = c->lengths[seq];
    MLAVK_TRY(grow(c, seq, n));
    if (b->n_seqs == 0) {
        b->first_seq = seq;
        b->first_past = past;
    }
    for (uint32_t i = 0; i < n; i++) {
        ids[b->n_tokens + i] = (uint32_t)tokens[i];
        positions[b->n_tokens + i] = past + i;
        seqs[b->n_tokens + i] = seq;
    }
    b->n_tokens += n;
    b->n_seqs++;
    b->max_keys = past + n > b->max_keys ? past + n : b->max_keys;
    return MLAVK_OK;
}
