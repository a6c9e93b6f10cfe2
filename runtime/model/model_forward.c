/* The forward pass of a batch of tokens, recorded as ops. */
#include "model/model.h"

#include "util/status.h"

/* The slots of a stacked product (token x expert, or token x head) and how they reach their matrices: a single
 * token's slots each name their own through ids; several tokens' are grouped by matrix (offsets and order, from
 * ops_moe_group), so that each matrix is read once per tile of its slots for the whole batch. */
typedef struct stack_slots {
    const vk_buffer *ids, *offsets, *order;
    uint32_t count;
    bool grouped;
} stack_slots;

typedef struct forward {
    const model *m;
    const deepseek_config *c;
    model_state *s;
    const model_cache *cache;
    const model_batch *batch;
    vk_recording *rec;
    uint32_t B;                     /* tokens in this batch (or in its tail that gets logits) */
    ops_token_places places;        /* each token's position and sequence slot */
    stack_slots head_slots;         /* the absorbed tokens' (token, head) slots of W_UK and W_UV */
} forward;

static vk_binding whole(const vk_buffer *b) { return (vk_binding){b, 0, 0}; }

/* Rows of `width` floats packed in a buffer, starting `offset` floats in. */
static ops_rows rows(const vk_buffer *b, uint32_t offset, uint32_t width) { return (ops_rows){whole(b), offset, width}; }

/* y[b] = W x[b] for b < batch (y += when accumulate), one dispatch per row piece of W. */
static mlavk_status linear_batch(const forward *f, const model_tensor *w, ops_rows x, ops_rows y, uint32_t batch,
                                 bool accumulate)
{
    uint32_t first_row = 0;
    for (uint32_t p = 0; p < w->piece_count; p++) {
        uint32_t n_rows = p + 1 < w->piece_count ? w->per_piece : w->rows - first_row;
        ops_weight piece = {whole(&w->pieces[p]), w->type, n_rows, w->cols};
        ops_rows y_piece = {y.buffer, y.offset + first_row, y.stride};
        if (batch == 1)
            MLAVK_TRY(ops_matvec(f->m->ops, f->rec, &piece, x, y_piece, accumulate));
        else
            MLAVK_TRY(ops_matmul(f->m->ops, f->rec, &piece, x, y_piece, batch, accumulate));
        first_row += n_rows;
    }
    return MLAVK_OK;
}

static mlavk_status linear(const forward *f, const model_tensor *w, ops_rows x, ops_rows y, bool accumulate)
{
    return linear_batch(f, w, x, y, f->B, accumulate);
}

/* A stack of per-head matrices seen as one matrix of all their rows (its pieces hold whole matrices). */
static model_tensor heads_as_rows(const model_tensor *w)
{
    model_tensor t = *w;
    t.rows = w->stack * w->rows;
    t.per_piece = w->per_piece * w->rows;
    t.stack = 1;
    return t;
}

static ops_expert_weight stacked(const model_tensor *w)
{
    ops_expert_weight e = {.piece_count = w->piece_count,
                           .experts_per_piece = w->per_piece,
                           .type = w->type,
                           .experts = w->stack,
                           .rows = w->rows,
                           .cols = w->cols};
    for (uint32_t p = 0; p < w->piece_count; p++)
        e.pieces[p] = whole(&w->pieces[p]);
    return e;
}

/* For each slot: y row = W[the slot's matrix] x row (slot / slots_per_x). */
static mlavk_status stacked_linear(const forward *f, const model_tensor *w, const stack_slots *slots,
                                   uint32_t slots_per_x, ops_rows x, ops_rows y)
{
    ops_expert_weight e = stacked(w);
    ops_moe_args args = {.ids = whole(slots->ids), .slots = slots->count, .slots_per_x = slots_per_x, .x = x,
                         .y = y};
    if (slots->grouped) {
        args.offsets = whole(slots->offsets);
        args.order = whole(slots->order);
        args.tiled = ops_moe_tiled_pays(f->m->ops);
    }
    return ops_moe_matvec(f->m->ops, f->rec, &e, &args);
}

/* Groups the slots by matrix (of `matrices`) where they belong to several tokens. */
static mlavk_status group_slots(const forward *f, stack_slots *slots, uint32_t tokens, uint32_t matrices)
{
    slots->grouped = tokens > 1;
    if (!slots->grouped)
        return MLAVK_OK;
    return ops_moe_group(f->m->ops, f->rec, whole(slots->ids), 0, slots->count, matrices, whole(slots->offsets),
                         whole(slots->order));
}

static mlavk_status rms_norm(const forward *f, const model_tensor *w, ops_rows x, ops_rows y, uint32_t n)
{
    return ops_rmsnorm(f->m->ops, f->rec, x, whole(&w->pieces[0]), y, n, f->B, f->c->rms_norm_eps);
}

static mlavk_status rope(const forward *f, ops_rows x, uint32_t heads, uint32_t head_stride)
{
    ops_rope_args args = {.x = x,
                          .dims = f->c->qk_rope_head_dim,
                          .heads = heads,
                          .tokens = f->B,
                          .head_stride = head_stride,
                          .positions = whole(&f->s->positions),
                          .freqs = whole(&f->m->weights.rope_freqs),
                          .magnitude = f->m->weights.rope_magnitude};
    return ops_rope(f->m->ops, f->rec, &args);
}

/* o = MLA(q, cache) absorbed for the batch's tokens [first, first + n): W_UK folds into the queries, scores and
 * outputs are taken against the latent cache directly, and W_UV turns the latent outputs into values. One pass
 * over a sequence's cache serves all heads. */
static mlavk_status attention_absorbed(const forward *f, const model_layer *w, const ops_kv_pages *kv, uint32_t first,
                                       uint32_t n)
{
    const deepseek_config *c = f->c;
    model_state *s = f->s;
    const uint32_t H = c->n_head, dn = c->qk_nope_head_dim, dr = c->qk_rope_head_dim;
    const uint32_t dq = dn + dr, rkv = c->kv_lora_rank, row = rkv + dr, dv = c->v_head_dim;
    /* q_latent_h = W_UK_h^T q_nope_h: the per-head weights as a stack indexed by head */
    MLAVK_TRY(stacked_linear(f, &w->wk_b, &f->head_slots, 1, rows(&s->q, first * H * dq, dq),
                             rows(&s->q_latent, 0, rkv)));
    ops_mla_shape shape = {.n_queries = n * H,
                           .n_heads = H,
                           .latent_dim = rkv,
                           .row_dim = row,
                           .n_splits = model_attention_splits(s, f->batch),
                           .scale = f->m->weights.attention_scale,
                           .first_token = first};
    MLAVK_TRY(ops_mla_attention(f->m->ops, f->rec, &shape, whole(&s->q_latent), rows(&s->q, first * H * dq + dn, dq),
                                kv, &f->places,
                                whole(&s->partial_out), whole(&s->partial_stats), whole(&s->o_latent)));
    /* o_h = W_UV_h o_latent_h */
    return stacked_linear(f, &w->wv_b, &f->head_slots, 1, rows(&s->o_latent, 0, rkv),
                          rows(&s->o, first * H * dv, dv));
}

/* o = MLA(q, cache) expanded for the batch's first n tokens, a prompt chunk of its first sequence: k_nope_{t,h} =
 * W_UK_h c_t and v_{t,h} = W_UV_h c_t for every cached token t of the sequence, then ordinary causal attention with
 * the shared rope key k_pe_t. */
static mlavk_status attention_expanded(const forward *f, const model_layer *w, const ops_kv_pages *kv, uint32_t n)
{
    const deepseek_config *c = f->c;
    model_state *s = f->s;
    const uint32_t H = c->n_head, dn = c->qk_nope_head_dim, dr = c->qk_rope_head_dim;
    const uint32_t rkv = c->kv_lora_rank, row = rkv + dr, dv = c->v_head_dim, T = f->batch->first_past + n;
    MLAVK_TRY(ops_kv_gather(f->m->ops, f->rec, kv, f->batch->first_seq, T, row, whole(&s->latent_rows)));
    model_tensor k_up = heads_as_rows(&w->wk_up), v_up = heads_as_rows(&w->wv_b);
    MLAVK_TRY(linear_batch(f, &k_up, rows(&s->latent_rows, 0, row), rows(&s->keys, 0, H * dn), T, false));
    MLAVK_TRY(linear_batch(f, &v_up, rows(&s->latent_rows, 0, row), rows(&s->values, 0, H * dv), T, false));
    ops_expanded_shape shape = {.n_tokens = n,
                                .n_heads = H,
                                .nope_dim = dn,
                                .rope_dim = dr,
                                .value_dim = dv,
                                .scale = f->m->weights.attention_scale};
    return ops_attention_expanded(f->m->ops, f->rec, &shape, rows(&s->q, 0, H * (dn + dr)), rows(&s->keys, 0, H * dn),
                                  rows(&s->latent_rows, rkv, row), rows(&s->values, 0, H * dv),
                                  whole(&s->positions), rows(&s->o, 0, H * dv));
}

/* lavapipe, V2-Lite widths (docs/PERF.md): tiled matrix products ~5 GFLOP/s, per-head matrix-vector products
 * ~0.6-1, the attention kernels ~0.3-0.4. */
const model_attention_costs model_costs_operations = {1, 1, 1}, model_costs_cpu = {1, 6, 14};

double model_attention_cost(const deepseek_config *c, uint32_t n_tokens, uint32_t n_past, bool expanded,
                            const model_attention_costs *costs)
{
    const double H = c->n_head, dn = c->qk_nope_head_dim, dr = c->qk_rope_head_dim, dv = c->v_head_dim;
    const double rkv = c->kv_lora_rank, B = n_tokens, T = (double)n_past + n_tokens;
    const double pairs = B * n_past + B * (B + 1) / 2; /* (token, visible key) pairs under the causal mask */
    if (expanded) /* W_UK and W_UV over every cached token, then scores over d_n + d_r and values of d_v */
        return costs->products * T * H * 2 * rkv * (dn + dv) + costs->pairs * pairs * H * 2 * (dn + dr + dv);
    /* W_UK and W_UV for the batch's tokens, then scores over r_kv + d_r and outputs of r_kv */
    return costs->per_head * B * H * 2 * rkv * (dn + dv) + costs->pairs * pairs * H * 2 * (2 * rkv + dr);
}

bool model_prefill_is_expanded(const model *m, const model_state *s, uint32_t n_tokens, uint32_t n_past)
{
    if (n_tokens < 2 || n_past + n_tokens > s->expand_rows || s->prefill == MODEL_PREFILL_ABSORBED)
        return false;
    if (s->prefill == MODEL_PREFILL_EXPANDED)
        return true;
    return model_attention_cost(&m->config, n_tokens, n_past, true, &s->attention_costs) <
           model_attention_cost(&m->config, n_tokens, n_past, false, &s->attention_costs);
}

/* The batch's first token of the absorbed form: the first sequence's tokens (a prompt chunk) may take the expanded
 * form (model_prefill_is_expanded); the decode tokens after them run absorbed. */
static uint32_t first_absorbed(const forward *f)
{
    const uint32_t chunk = f->B - (f->batch->n_seqs - 1);
    return model_prefill_is_expanded(f->m, f->s, chunk, f->batch->first_past) ? chunk : 0;
}

/* x += W_o MLA(RMSNorm(x)) with the latent cache: absorbed or expanded (model_prefill_is_expanded). */
static mlavk_status attention(const forward *f, uint32_t layer)
{
    const deepseek_config *c = f->c;
    const model_layer *w = &f->m->weights.layers[layer];
    model_state *s = f->s;
    const uint32_t D = c->n_embd, H = c->n_head, dn = c->qk_nope_head_dim, dr = c->qk_rope_head_dim;
    const uint32_t dq = dn + dr, rkv = c->kv_lora_rank, row = rkv + dr, dv = c->v_head_dim;

    MLAVK_TRY(rms_norm(f, &w->attn_norm, rows(&s->x, 0, D), rows(&s->h, 0, D), D));
    if (c->q_lora_rank) {
        MLAVK_TRY(linear(f, &w->wq_a, rows(&s->h, 0, D), rows(&s->q_a, 0, c->q_lora_rank), false));
        MLAVK_TRY(rms_norm(f, &w->q_a_norm, rows(&s->q_a, 0, c->q_lora_rank), rows(&s->q_a, 0, c->q_lora_rank),
                           c->q_lora_rank));
        MLAVK_TRY(linear(f, &w->wq_b, rows(&s->q_a, 0, c->q_lora_rank), rows(&s->q, 0, H * dq), false));
    } else {
        MLAVK_TRY(linear(f, &w->wq, rows(&s->h, 0, D), rows(&s->q, 0, H * dq), false));
        if (c->q_bias)
            MLAVK_TRY(ops_add_bias(f->m->ops, f->rec, whole(&s->q), whole(&w->bq.pieces[0]), H * dq, f->B));
    }
    /* latent c = RMSNorm(kv[0:r_kv]) and the one rope key k_pe = RoPE(kv[r_kv:]) shared by all heads; the MLA form
     * of a GQA model adds a bias before both and has no latent norm */
    MLAVK_TRY(linear(f, &w->wkv_a, rows(&s->h, 0, D), rows(&s->kv, 0, row), false));
    if (c->latent_bias)
        MLAVK_TRY(ops_add_bias(f->m->ops, f->rec, whole(&s->kv), whole(&w->bkv_a.pieces[0]), row, f->B));
    if (!c->no_latent_norm)
        MLAVK_TRY(rms_norm(f, &w->kv_a_norm, rows(&s->kv, 0, row), rows(&s->kv, 0, row), rkv));
    MLAVK_TRY(rope(f, rows(&s->kv, rkv, row), 1, 0));
    MLAVK_TRY(rope(f, rows(&s->q, dn, H * dq), H, dq));
    /* Attention temperature (Mistral Large 3): the whole query of the token at position p, both parts, times
     * log(floor(p / n) + 1) * s + 1, as llama.cpp scales Qcur; both attention forms read the scaled q. */
    if (c->attn_temp_scale != 0.0f)
        MLAVK_TRY(ops_attn_temperature(f->m->ops, f->rec, rows(&s->q, 0, H * dq), H * dq, f->B, whole(&s->positions),
                                       c->attn_temp_length, c->attn_temp_scale));
    const model_cache *cache = f->cache;
    ops_kv_pages kv = {whole(&cache->pools[layer]), whole(&cache->page_table), cache->pages_per_seq, cache->type};
    MLAVK_TRY(ops_kv_store(f->m->ops, f->rec, &kv, whole(&s->kv), &f->places, f->B, row));

    const uint32_t first = first_absorbed(f);
    if (first > 0)
        MLAVK_TRY(attention_expanded(f, w, &kv, first));
    if (first < f->B)
        MLAVK_TRY(attention_absorbed(f, w, &kv, first, f->B - first));
    return linear(f, &w->wo, rows(&s->o, 0, H * dv), rows(&s->x, 0, D), true);
}

/* y (+)= W_down (silu(W_gate x) * W_up x) for the batch, with a hidden width of `hidden`. */
static mlavk_status swiglu(const forward *f, const model_tensor *gate, const model_tensor *up,
                           const model_tensor *down, ops_rows x, ops_rows y, bool accumulate)
{
    model_state *s = f->s;
    uint32_t hidden = gate->rows;
    MLAVK_TRY(linear(f, gate, x, rows(&s->ffn_a, 0, hidden), false));
    MLAVK_TRY(linear(f, up, x, rows(&s->ffn_b, 0, hidden), false));
    MLAVK_TRY(ops_silu_mul(f->m->ops, f->rec, whole(&s->ffn_a), whole(&s->ffn_b), whole(&s->ffn_a), f->B * hidden));
    return linear(f, down, rows(&s->ffn_a, 0, hidden), y, accumulate);
}

/* x += sum_j w_j Expert_j(h) + Shared(h), experts chosen on the device. */
static mlavk_status moe(const forward *f, uint32_t layer, const model_layer *w)
{
    const deepseek_config *c = f->c;
    model_state *s = f->s;
    const uint32_t D = c->n_embd, Fe = c->n_ff_exp, k = c->n_expert_used, slots = f->B * k;
    MLAVK_TRY(linear(f, &w->router, rows(&s->h, 0, D), rows(&s->router_logits, 0, c->n_expert), false));
    ops_moe_routing routing = {.n_experts = c->n_expert,
                               .n_used = k,
                               .n_groups = c->n_group ? c->n_group : 1,
                               .n_groups_used = c->n_group_used ? c->n_group_used : 1,
                               .sigmoid = c->gating == DEEPSEEK_GATING_SIGMOID,
                               /* the reference's V2 rule: groups scored by their max when there is no bias */
                               .group_max = w->router_bias.piece_count == 0,
                               .normalize = c->expert_weights_norm,
                               .routed_scale = c->expert_weights_scale};
    vk_binding bias = w->router_bias.piece_count ? whole(&w->router_bias.pieces[0]) : (vk_binding){0};
    MLAVK_TRY(ops_moe_route(f->m->ops, f->rec, &routing, whole(&s->router_logits), bias, whole(&s->expert_ids[layer]),
                            whole(&s->expert_weights), f->B));
    /* Several tokens' slots grouped by expert once for the three products. */
    stack_slots experts = {&s->expert_ids[layer], &s->expert_offsets, &s->expert_order, slots, false};
    MLAVK_TRY(group_slots(f, &experts, f->B, c->n_expert));
    MLAVK_TRY(stacked_linear(f, &w->exp_gate, &experts, k, rows(&s->h, 0, D), rows(&s->expert_a, 0, Fe)));
    MLAVK_TRY(stacked_linear(f, &w->exp_up, &experts, k, rows(&s->h, 0, D), rows(&s->expert_b, 0, Fe)));
    MLAVK_TRY(ops_silu_mul(f->m->ops, f->rec, whole(&s->expert_a), whole(&s->expert_b), whole(&s->expert_a),
                           slots * Fe));
    MLAVK_TRY(stacked_linear(f, &w->exp_down, &experts, 1, rows(&s->expert_a, 0, Fe), rows(&s->expert_out, 0, D)));
    MLAVK_TRY(swiglu(f, &w->sh_gate, &w->sh_up, &w->sh_down, rows(&s->h, 0, D), rows(&s->shared_out, 0, D), false));
    return ops_moe_combine(f->m->ops, f->rec, whole(&s->x), whole(&s->expert_out), whole(&s->expert_weights),
                           whole(&s->shared_out), f->B, k, D);
}

static mlavk_status embed(const forward *f)
{
    const model_tensor *t = &f->m->weights.token_embd;
    uint32_t first_row = 0;
    for (uint32_t p = 0; p < t->piece_count; p++) {
        uint32_t n_rows = p + 1 < t->piece_count ? t->per_piece : t->rows - first_row;
        ops_weight piece = {whole(&t->pieces[p]), t->type, n_rows, t->cols};
        MLAVK_TRY(ops_get_rows(f->m->ops, f->rec, &piece, first_row, whole(&f->s->tokens), f->B,
                               rows(&f->s->x, 0, f->c->n_embd)));
        first_row += n_rows;
    }
    return MLAVK_OK;
}

/* Logits of the batch's last n_seqs tokens (each sequence's last one) or of all. */
static mlavk_status logits(forward *f, model_logits which)
{
    const uint32_t D = f->c->n_embd, vocab = f->c->n_vocab;
    const model_weights *w = &f->m->weights;
    uint32_t first = which == MODEL_LOGITS_LAST ? f->B - f->batch->n_seqs : 0;
    forward tail = *f;
    tail.B = f->B - first;
    MLAVK_TRY(rms_norm(&tail, &w->output_norm, rows(&f->s->x, first * D, D), rows(&f->s->h, 0, D), D));
    /* tied embeddings: token_embd, read by get_rows for the input, is the output projection too */
    const model_tensor *output = f->c->tied_embeddings ? &w->token_embd : &w->output;
    MLAVK_TRY(linear(&tail, output, rows(&f->s->h, 0, D), rows(&f->s->logits, 0, vocab), false));
    VkDeviceSize bytes = (VkDeviceSize)tail.B * vocab * sizeof(float);
    vk_copy(f->rec, &(vk_binding){&f->s->logits, 0, bytes}, &(vk_binding){&f->s->logits_host, 0, bytes});
    return MLAVK_OK;
}

mlavk_status model_record_forward(const model *m, model_state *s, const model_cache *cache, vk_recording *rec,
                                  const model_batch *b)
{
    const uint32_t n_tokens = b->n_tokens;
    if (n_tokens == 0 || n_tokens > s->max_batch || b->n_seqs == 0 || b->n_seqs > n_tokens)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "forward: batch of %u tokens of %u sequences (at most %u)",
                          n_tokens, b->n_seqs, s->max_batch);
    forward f = {m, &m->config, s, cache, b, rec, n_tokens, {whole(&s->positions), whole(&s->seq_ids)}, {0}};
    MLAVK_TRY(embed(&f));
    /* The absorbed form's per-head products are stacks indexed by head: its token x head slots, grouped by head
     * once for every layer. */
    const uint32_t absorbed = n_tokens - first_absorbed(&f), H = m->config.n_head;
    f.head_slots = (stack_slots){&s->head_ids, &s->head_offsets, &s->head_order, absorbed * H, false};
    MLAVK_TRY(group_slots(&f, &f.head_slots, absorbed, H));
    for (uint32_t l = 0; l < m->config.n_layer; l++) {
        const model_layer *w = &m->weights.layers[l];
        vk_label_begin(rec, "layer");
        MLAVK_TRY(attention(&f, l));
        MLAVK_TRY(rms_norm(&f, &w->ffn_norm, rows(&s->x, 0, m->config.n_embd), rows(&s->h, 0, m->config.n_embd),
                           m->config.n_embd));
        if (l < m->config.n_dense_lead)
            MLAVK_TRY(swiglu(&f, &w->ffn_gate, &w->ffn_up, &w->ffn_down, rows(&s->h, 0, m->config.n_embd),
                             rows(&s->x, 0, m->config.n_embd), true));
        else
            MLAVK_TRY(moe(&f, l, w));
        vk_label_end(rec);
    }
    MLAVK_TRY(logits(&f, b->logits));
    /* the last token's expert choices, for inspection (the demo's heatmap) */
    const uint32_t k = m->config.n_expert_used;
    for (uint32_t l = m->config.n_dense_lead; l < m->config.n_layer && k; l++) {
        vk_binding from = {&s->expert_ids[l], (VkDeviceSize)(n_tokens - 1) * k * 4, (VkDeviceSize)k * 4};
        vk_binding to = {&s->expert_ids_host, (VkDeviceSize)l * k * 4, (VkDeviceSize)k * 4};
        vk_copy(rec, &from, &to);
    }
    return MLAVK_OK;
}
