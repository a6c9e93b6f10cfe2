/* A tokenizer read from tokenizer.json written as GGUF tokenizer.ggml.* keys, as llama.cpp's converter
 * (convert_hf_to_gguf.py's get_vocab_base and gguf-py's SpecialVocab) writes them for a Llama 3 or Qwen2 model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/gguf_out.h"
#include "tokenizer/tok_internal.h"
#include "util/status.h"

const char *tok_gguf_pre(const mlavk_tokenizer *t) { return t->gguf_pre; }

static uint32_t piece_length(const mlavk_tokenizer *t, uint32_t id)
{
    return t->piece_offset[id + 1] - t->piece_offset[id];
}

static mlavk_status put_strings(gguf_out *w, const char *key, const gguf_string *strings, uint64_t count)
{
    gguf_kv kv = {.key = key, .value = {.type = GGUF_TYPE_ARRAY,
                                        .as.arr = {.elem_type = GGUF_TYPE_STRING, .count = count,
                                                   .strings = (gguf_string *)strings}}};
    return gguf_out_copy(w, &kv);
}

static bool affixed(const gguf_string *s, const char *prefix, const char *suffix)
{
    size_t p = strlen(prefix), q = strlen(suffix);
    return s->len >= p + q && memcmp(s->data, prefix, p) == 0 && memcmp(s->data + s->len - q, suffix, q) == 0;
}

/* The converter's does_token_look_special: added tokens it makes control tokens though they are not special. */
static bool looks_special(const gguf_string *s)
{
    static const char *const names[] = {"<pad>", "<mask>", "<2mass>", "[@BOS@]"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (s->len == strlen(names[i]) && memcmp(s->data, names[i], s->len) == 0)
            return true;
    return affixed(s, "<|", "|>") || affixed(s, "<\xef\xbd\x9c", "\xef\xbd\x9c>") || affixed(s, "<unused", ">");
}

static int32_t added_type(const mlavk_tokenizer *t, uint32_t id, const gguf_string *text)
{
    return t->types[id] == TOK_TYPE_CONTROL || looks_special(text) ? TOK_TYPE_CONTROL : TOK_TYPE_USER_DEFINED;
}

/* Ids neither the vocabulary nor the added tokens name become "[PAD<id>]", unused, as the converter pads to
 * config.json's vocab_size. */
static mlavk_status write_tokens(const mlavk_tokenizer *t, uint32_t n_vocab, gguf_out *w)
{
    gguf_string *tokens = calloc(n_vocab ? n_vocab : 1, sizeof *tokens);
    int32_t *types = calloc(n_vocab ? n_vocab : 1, sizeof *types);
    char *pads = calloc(n_vocab ? n_vocab : 1, 20);
    mlavk_status status = tokens && types && pads ? MLAVK_OK
                          : mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", t->source);
    for (uint32_t id = 0; status == MLAVK_OK && id < n_vocab; id++) {
        uint32_t length = id < t->token_count ? piece_length(t, id) : 0;
        if (length) {
            tokens[id] = (gguf_string){t->pieces + t->piece_offset[id], length};
            types[id] = t->types[id] == TOK_TYPE_NORMAL ? TOK_TYPE_NORMAL : added_type(t, id, &tokens[id]);
        } else {
            char *pad = pads + (size_t)id * 20;
            tokens[id] = (gguf_string){pad, (uint64_t)snprintf(pad, 20, "[PAD%u]", id)};
            types[id] = TOK_TYPE_UNUSED;
        }
    }
    /* an added token outside model.vocab is its content (Llama 3's special tokens) */
    for (uint32_t i = 0; status == MLAVK_OK && i < t->added_count; i++) {
        const tok_added *a = &t->added[i];
        if (piece_length(t, a->id) == 0) {
            tokens[a->id] = (gguf_string){t->added_text + a->offset, a->length};
            types[a->id] = added_type(t, a->id, &tokens[a->id]);
        }
    }
    if (status == MLAVK_OK)
        status = put_strings(w, "tokenizer.ggml.tokens", tokens, n_vocab);
    gguf_kv kv = {.key = "tokenizer.ggml.token_type",
                  .value = {.type = GGUF_TYPE_ARRAY,
                            .as.arr = {.elem_type = GGUF_TYPE_I32, .count = n_vocab, .raw = (uint8_t *)types}}};
    if (status == MLAVK_OK)
        status = gguf_out_copy(w, &kv);
    free(tokens);
    free(types);
    free(pads);
    return status;
}

static int by_rank(const void *a, const void *b)
{
    uint32_t ra = ((const tok_merge_slot *)a)->rank, rb = ((const tok_merge_slot *)b)->rank;
    return (ra > rb) - (ra < rb);
}

/* "left right" in rank order. */
static mlavk_status write_merges(const mlavk_tokenizer *t, gguf_out *w)
{
    const size_t slots = (size_t)t->merge_mask + 1;
    size_t count = 0, bytes = 1;
    for (size_t i = 0; i < slots; i++)
        if (t->merge_slots[i].pair != UINT64_MAX) {
            count++;
            bytes += piece_length(t, (uint32_t)(t->merge_slots[i].pair >> 32)) + 1 +
                     piece_length(t, (uint32_t)t->merge_slots[i].pair);
        }
    tok_merge_slot *merges = malloc((count ? count : 1) * sizeof *merges);
    gguf_string *texts = malloc((count ? count : 1) * sizeof *texts);
    char *text = malloc(bytes);
    if (!merges || !texts || !text) {
        free(merges), free(texts), free(text);
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", t->source);
    }
    count = 0;
    for (size_t i = 0; i < slots; i++)
        if (t->merge_slots[i].pair != UINT64_MAX)
            merges[count++] = t->merge_slots[i];
    qsort(merges, count, sizeof *merges, by_rank);
    char *p = text;
    for (size_t i = 0; i < count; i++) {
        uint32_t left = (uint32_t)(merges[i].pair >> 32), right = (uint32_t)merges[i].pair;
        uint32_t left_length = piece_length(t, left), right_length = piece_length(t, right);
        texts[i] = (gguf_string){p, (uint64_t)left_length + 1 + right_length};
        memcpy(p, t->pieces + t->piece_offset[left], left_length);
        p[left_length] = ' ';
        memcpy(p + left_length + 1, t->pieces + t->piece_offset[right], right_length);
        p += texts[i].len;
    }
    mlavk_status status = put_strings(w, "tokenizer.ggml.merges", texts, count);
    free(merges);
    free(texts);
    free(text);
    return status;
}

mlavk_status tok_write_gguf(const mlavk_tokenizer *t, uint32_t n_vocab, int64_t config_bos, int64_t config_eos,
                            gguf_out *w)
{
    if (!t->gguf_pre)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: the pre-tokenizer is neither Llama 3's nor Qwen2's, so it has "
                          "no GGUF tokenizer.ggml.pre name", t->source);
    if (n_vocab < t->token_count)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: %u tokens, more than the model's vocabulary of %u", t->source,
                          t->token_count, n_vocab);
    MLAVK_TRY(gguf_out_string(w, "tokenizer.ggml.model", "gpt2"));
    MLAVK_TRY(gguf_out_string(w, "tokenizer.ggml.pre", t->gguf_pre));
    MLAVK_TRY(write_tokens(t, n_vocab, w));
    MLAVK_TRY(write_merges(t, w));
    int64_t bos = t->bos_id >= 0 ? t->bos_id : config_bos, eos = t->eos_id >= 0 ? t->eos_id : config_eos;
    if (bos >= 0 && bos < n_vocab)
        MLAVK_TRY(gguf_out_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)bos));
    if (eos >= 0 && eos < n_vocab)
        MLAVK_TRY(gguf_out_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)eos));
    gguf_kv add_bos = {.key = "tokenizer.ggml.add_bos_token",
                       .value = {.type = GGUF_TYPE_BOOL, .as.u = t->add_bos}};
    MLAVK_TRY(gguf_out_copy(w, &add_bos));
    return t->chat_template ? gguf_out_string(w, "tokenizer.chat_template", t->chat_template) : MLAVK_OK;
}
