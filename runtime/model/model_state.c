/* Per-step device scratch: activations for a batch of tokens and the step's inputs. */
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "util/status.h"

static uint32_t max_u32(uint32_t a, uint32_t b) { return a > b ? a : b; }

/* Flash-decoding splits of a decode step: about 256 cached tokens each, so the splits fill a GPU at long contexts
 * while a short one pays for no empty workgroups. */
#define DECODE_MAX_SPLITS 32
#define DECODE_SPLIT_ROWS 256

uint32_t model_attention_splits(const model_state *s, const model_batch *b)
{
    if (b->n_tokens != b->n_seqs) /* a prompt chunk: its tokens fill the device already */
        return 1;
    uint32_t splits = (b->max_keys + DECODE_SPLIT_ROWS - 1) / DECODE_SPLIT_ROWS;
    uint32_t room = s->max_splits > b->n_tokens ? s->max_splits / b->n_tokens : 1; /* the partial buffers' */
    splits = splits < room ? splits : room;
    return splits < 1 ? 1 : splits;
}

/* Each expanded-form scratch buffer stays within one binding and this size: beyond it (very long contexts of
 * many-head models) prompt batches use the absorbed form. */
#define EXPAND_MAX_BUFFER_BYTES ((uint64_t)256 << 20)

static uint32_t expansion_rows(const model *m, uint32_t n_ctx, uint32_t max_batch, model_prefill_attention prefill)
{
    const deepseek_config *c = &m->config;
    if (prefill == MODEL_PREFILL_ABSORBED || max_batch < 2)
        return 0;
    uint64_t widest = (uint64_t)c->n_head * max_u32(c->qk_nope_head_dim, c->v_head_dim);
    widest = max_u32((uint32_t)widest, c->kv_lora_rank + c->qk_rope_head_dim) * sizeof(float);
    uint64_t limit = vk_memory_max_buffer_size(m->ctx);
    limit = limit < EXPAND_MAX_BUFFER_BYTES ? limit : EXPAND_MAX_BUFFER_BYTES;
    uint64_t rows = limit / widest;
    return rows < n_ctx ? (uint32_t)rows : n_ctx;
}

/* buffer[i] = i % period for i < n (uint). */
static mlavk_status write_counting(vk_context *ctx, vk_buffer *buffer, uint64_t n, uint64_t period)
{
    uint32_t *ids = malloc(n * sizeof *ids);
    if (!ids)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "model state: out of memory");
    for (uint64_t i = 0; i < n; i++)
        ids[i] = (uint32_t)(i % period);
    mlavk_status status = vk_buffer_write(ctx, buffer, 0, ids, n * sizeof *ids);
    free(ids);
    return status;
}

typedef struct buffer_plan {
    vk_buffer *buffer;
    uint64_t bytes;
    const char *label;
} buffer_plan;

mlavk_status model_state_create(const model *m, uint32_t max_seq_len, uint32_t max_batch,
                                model_prefill_attention prefill, model_state **out)
{
    *out = NULL;
    const deepseek_config *c = &m->config;
    model_state *s = calloc(1, sizeof *s);
    if (!s)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "model state: out of memory");
    s->max_seq_len = max_seq_len;
    s->max_batch = max_batch;
    s->max_splits = DECODE_MAX_SPLITS;
    s->prefill = prefill;
    s->attention_costs = m->ctx->info.type == VK_PHYSICAL_DEVICE_TYPE_CPU ? model_costs_cpu : model_costs_operations;
    s->expand_rows = expansion_rows(m, max_seq_len, max_batch, prefill);
    const uint64_t E = s->expand_rows;
    const uint64_t B = max_batch, H = c->n_head, f = sizeof(float);
    const uint64_t row = c->kv_lora_rank + c->qk_rope_head_dim, dq = c->qk_nope_head_dim + c->qk_rope_head_dim;
    const uint64_t k = c->n_expert_used ? c->n_expert_used : 1;
    const uint64_t ffn = max_u32(c->n_ff, c->n_expert_shared * c->n_ff_exp);
    /* prompt chunks take one split; decode batches of n tokens up to max_splits / n (model_attention_splits) */
    uint64_t partial_queries = max_u32((uint32_t)B, s->max_splits) * H;
    buffer_plan plan[] = {
        {&s->head_ids, B * H * 4, "head ids"},
        {&s->head_offsets, ((uint64_t)H + 1) * 4, "head slot offsets"},
        {&s->head_order, B * H * 4, "head slot order"},
        {&s->x, B * c->n_embd * f, "x"},
        {&s->h, B * c->n_embd * f, "h"},
        {&s->q_a, B * max_u32(c->q_lora_rank, 1) * f, "q_a"},
        {&s->q, B * H * dq * f, "q"},
        {&s->kv, B * row * f, "kv"},
        {&s->q_latent, B * H * c->kv_lora_rank * f, "q latent"},
        {&s->o_latent, B * H * c->kv_lora_rank * f, "o latent"},
        {&s->o, B * H * c->v_head_dim * f, "o"},
        {&s->partial_out, partial_queries * c->kv_lora_rank * f, "attention partials"},
        {&s->partial_stats, partial_queries * 2 * f, "attention stats"},
        {&s->ffn_a, B * ffn * f, "ffn a"},
        {&s->ffn_b, B * ffn * f, "ffn b"},
        {&s->router_logits, B * max_u32(c->n_expert, 1) * f, "router logits"},
        {&s->expert_weights, B * k * f, "expert weights"},
        {&s->expert_offsets, ((uint64_t)c->n_expert + 1) * 4, "expert slot offsets"},
        {&s->expert_order, B * k * 4, "expert slot order"},
        {&s->expert_a, B * k * max_u32(c->n_ff_exp, 1) * f, "expert a"},
        {&s->expert_b, B * k * max_u32(c->n_ff_exp, 1) * f, "expert b"},
        {&s->expert_out, B * k * c->n_embd * f, "expert out"},
        {&s->shared_out, B * c->n_embd * f, "shared out"},
        {&s->logits, B * c->n_vocab * f, "logits"},
        {&s->latent_rows, E * row * f, "expanded latent rows"},
        {&s->keys, E * H * c->qk_nope_head_dim * f, "expanded keys"},
        {&s->values, E * H * c->v_head_dim * f, "expanded values"},
    };
    buffer_plan host_plan[] = {
        {&s->tokens, B * 4, "tokens"},
        {&s->positions, B * 4, "positions"},
        {&s->seq_ids, B * 4, "sequence slots"},
        {&s->logits_host, B * c->n_vocab * f, "logits readback"},
        {&s->expert_ids_host, (uint64_t)c->n_layer * k * 4, "expert choices readback"},
    };
    mlavk_status status = MLAVK_OK;
    for (size_t i = 0; i < sizeof plan / sizeof plan[0] && status == MLAVK_OK; i++)
        if (plan[i].bytes) /* the expanded form's scratch is absent when it cannot be used */
            status = vk_buffer_create(m->ctx, plan[i].bytes, VK_MEMORY_DEVICE, plan[i].label, plan[i].buffer);
    for (size_t i = 0; i < sizeof host_plan / sizeof host_plan[0] && status == MLAVK_OK; i++)
        status = vk_buffer_create(m->ctx, host_plan[i].bytes, i < 3 ? VK_MEMORY_UPLOAD : VK_MEMORY_READBACK,
                                  host_plan[i].label, host_plan[i].buffer);
    s->expert_ids = calloc(c->n_layer, sizeof *s->expert_ids);
    if (status == MLAVK_OK && !s->expert_ids)
        status = mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "model state: out of memory");
    for (uint32_t l = 0; l < c->n_layer && status == MLAVK_OK; l++)
        status = vk_buffer_create(m->ctx, B * k * 4, VK_MEMORY_DEVICE, "expert ids", &s->expert_ids[l]);
    if (status == MLAVK_OK) /* dense layers choose no experts: they read as UINT32_MAX */
        memset(s->expert_ids_host.mapped, 0xff, s->expert_ids_host.size);
    if (status == MLAVK_OK)
        status = write_counting(m->ctx, &s->head_ids, B * H, H);
    if (status != MLAVK_OK) {
        model_state_free(m, s);
        return status;
    }
    *out = s;
    return MLAVK_OK;
}

void model_state_free(const model *m, model_state *s)
{
    if (!s)
        return;
    vk_buffer *all[] = {&s->tokens, &s->positions, &s->head_ids, &s->head_offsets, &s->head_order, &s->x, &s->h,
                        &s->q_a, &s->q, &s->kv, &s->q_latent, &s->o_latent, &s->o, &s->partial_out,
                        &s->partial_stats, &s->ffn_a, &s->ffn_b, &s->router_logits, &s->expert_weights,
                        &s->expert_offsets, &s->expert_order, &s->expert_a, &s->expert_b, &s->expert_out,
                        &s->shared_out, &s->logits, &s->logits_host, &s->expert_ids_host, &s->latent_rows, &s->keys,
                        &s->values, &s->seq_ids};
    for (uint32_t l = 0; s->expert_ids && l < m->config.n_layer; l++)
        vk_buffer_destroy(m->ctx, &s->expert_ids[l]);
    free(s->expert_ids);
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        vk_buffer_destroy(m->ctx, all[i]);
    free(s);
}
