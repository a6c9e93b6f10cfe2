/* What the GGUF and HF halves of the GQA reader share: the list of tensors a configuration calls for, each with
 * its shape and where its F32 copy goes. Names are GGUF's; the HF reader maps its names onto them. */
#ifndef MLAVK_FORMATS_GQA_MODEL_INTERNAL_H
#define MLAVK_FORMATS_GQA_MODEL_INTERNAL_H

#include <stddef.h>

#include "formats/gqa_model.h"

typedef struct gqa_slot {
    char name[40];           /* "blk.3.attn_q.weight" */
    float **dst;             /* where the decoded copy is stored */
    uint64_t rows, cols;     /* rows 0: a vector of cols elements */
    uint32_t rope_heads;     /* Q/K rows and biases: heads whose rows pair for RoPE, else 0 */
    bool optional;
    bool found;
} gqa_slot;

typedef struct gqa_slots {
    gqa_slot *slots;
    uint32_t count;
} gqa_slots;

/* The tensors of m->config (n_layer allocated in m->layers): output, rope_freqs and the biases optional
 * (biases required when qkv_bias). The config must have passed gqa_check_config. */
mlavk_status gqa_slots_make(gqa_model *m, const char *name, gqa_slots *out);
gqa_slot *gqa_slots_find(const gqa_slots *s, const char *name);
/* Every required slot found; an absent output matrix means tied embeddings; biases all or none. */
mlavk_status gqa_slots_finish(gqa_model *m, const gqa_slots *s, const char *name);
void gqa_slots_free(gqa_slots *s);

/* Shape checks of one tensor: dims outermost first (HF order). */
mlavk_status gqa_slot_check_shape(const gqa_slot *slot, uint32_t n_dims, const uint64_t *shape, const char *file);
/* Decodes n elements of a ggml type into a new F32 array at *slot->dst. */
mlavk_status gqa_slot_decode(gqa_slot *slot, uint32_t type, const void *data, const char *file);

/* Values the model cannot have: zero sizes, n_head % n_kv, odd head dim, a non-positive epsilon or base. */
mlavk_status gqa_check_config(const gqa_config *c, const char *name);

/* llama.cpp's LlamaModel.permute undone: within each head of d rows, row 2i + j (j = 0, 1) goes back to
 * j * d/2 + i, so that RoPE pairs (i, i + d/2) again. rows = n_heads * d, each of cols values. */
mlavk_status gqa_unpermute_rows(float *rows, uint32_t n_heads, uint32_t head_dim, uint64_t cols, const char *name);

mlavk_status gqa_open_gguf(const char *path, gqa_model *m);
/* The model in m->gguf (already parsed; the fuzz harness hands one over from memory). */
mlavk_status gqa_read_gguf(gqa_model *m);
/* An HF config.json's text into m->config (and m->rope_freq_factors); name for messages. */
mlavk_status gqa_config_from_json(const char *text, size_t size, const char *name, gqa_model *m);
mlavk_status gqa_open_hf(const char *dir, gqa_model *m);
bool gqa_gguf_arch(const gguf_file *g, gqa_arch *arch);
bool gqa_hf_dir_is_gqa(const char *dir);

#endif
