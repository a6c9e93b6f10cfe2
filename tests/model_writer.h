/* Test-side writers: GGUF and safetensors files built byte by byte, and a tiny DeepSeek model in both forms.
 * Written independently of runtime/formats so the readers are checked against a second implementation. */
#ifndef MLAVK_TEST_MODEL_WRITER_H
#define MLAVK_TEST_MODEL_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "test_util.h"
#include "tokenizer/tokenizer.h"

typedef struct byte_buf {
    uint8_t *data;
    size_t size, cap;
} byte_buf;

void bb_put(byte_buf *b, const void *p, size_t n);
void bb_u32(byte_buf *b, uint32_t v);
void bb_u64(byte_buf *b, uint64_t v);
void bb_str(byte_buf *b, const char *s); /* GGUF string: u64 length + bytes */
void bb_free(byte_buf *b);
bool bb_write_file(const uint8_t *data, size_t size, const char *path);

typedef struct gguf_writer {
    byte_buf kv, info, data;
    uint64_t n_kv, n_tensors;
    uint32_t version, alignment;
} gguf_writer;

void gw_init(gguf_writer *w); /* version 3, alignment 32 */
/* Writes the key and value type; the caller appends the value to w->kv. */
void gw_key(gguf_writer *w, const char *key, uint32_t type);
void gw_u32(gguf_writer *w, const char *key, uint32_t v);
void gw_f32(gguf_writer *w, const char *key, float v);
void gw_bool(gguf_writer *w, const char *key, bool v);
void gw_str(gguf_writer *w, const char *key, const char *v);
/* An array of count strings of the given byte lengths (they may hold any bytes). */
void gw_str_array(gguf_writer *w, const char *key, const char *const *texts, const size_t *lengths, size_t count);
/* The tokenizer keys llama.cpp's converter writes for a BPE vocabulary (token types NORMAL when v has none);
 * pre NULL leaves tokenizer.ggml.pre out, add_bos < 0 leaves tokenizer.ggml.add_bos_token out. */
void gw_bpe_vocab(gguf_writer *w, const tok_gguf_vocab *v, const char *pre, int add_bos);
/* Data is padded to the alignment; offsets follow the order of calls. */
void gw_tensor(gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims, const uint64_t *dims,
               const void *data, size_t n_bytes);
/* Assembles the file into out and releases the writer's parts. */
void gw_finish(gguf_writer *w, byte_buf *out);

/* safetensors: tensors appended in order; the header is generated at finish. */
typedef struct st_writer {
    byte_buf header, data;
    int n;
} st_writer;
void sw_init(st_writer *w);
void sw_tensor(st_writer *w, const char *name, const char *dtype, uint32_t n_dims, const uint64_t *shape,
               const void *data, size_t n_bytes);
void sw_finish(st_writer *w, byte_buf *out);

/* A tiny DeepSeek model: 2 blocks (1 dense, 1 MoE), dims small and odd-free so every shape is distinct. */
typedef struct tiny_model {
    uint32_t D, L, H, r_q, r_kv, d_n, d_r, d_v, E, k, S, F, F_e, n_dense, vocab, ctx;
    bool split_kv_b;        /* attn_k_b + attn_v_b instead of attn_kv_b (GGUF only) */
    bool v3;                /* sigmoid gating, expert bias, weights norm, scale 2.5, 1 MTP layer (HF) */
    uint32_t weight_type;   /* GGUF ggml type of 2-D/3-D weights: 0 (f32) or 1 (f16) */
    bool fp8;               /* HF: projection weights in FP8 E4M3 with weight_scale_inv */
    bool sharded;           /* HF: two shards and model.safetensors.index.json */
    const char *omit_key;   /* GGUF: leave out this key */
    const char *omit_tensor;/* leave out this GGUF-named tensor */
    const char *misshape;   /* GGUF: write this tensor with its first dim + 1 */
    const char *extra_key;  /* GGUF: write this key too, u32 extra_value (or F32 extra_f32 when that is not 0) */
    uint32_t extra_value;
    float extra_f32;
    const char *extra_tensor; /* write a [D] F32 tensor of this name too (GGUF or HF name) */
    const char *hf_config_extra; /* HF: JSON members appended to config.json (", \"key\": value") */
    uint32_t odd_type;      /* GGUF: when not 0, the type (q8_1 9 or q5_0 6) of odd_type_tensor */
    const char *odd_type_tensor;
    uint64_t seed;
} tiny_model;

void tiny_model_default(tiny_model *m);
/* Writes a complete GGUF file; returns false when it cannot write. */
bool tiny_write_gguf(const tiny_model *m, const char *path);
void tiny_build_gguf(const tiny_model *m, byte_buf *out);
/* Metadata and tensor infos only, weights in quant_type (norms and router f32); the data section is a hole
 * (sparse file), so models of real size cost no disk. */
bool tiny_write_gguf_sparse(const tiny_model *m, const char *path, uint32_t quant_type);
/* Writes config.json, the safetensors file(s) and a tokenizer.json into dir (created). */
bool tiny_write_hf(const tiny_model *m, const char *dir);

/* Tensor list of the tiny model (GGUF names, ggml dims); count returned. Independent of runtime/formats. */
typedef struct tiny_tensor {
    char name[64];
    uint32_t n_dims;
    uint64_t dims[3];
    bool expert;            /* a stacked routed-expert tensor */
} tiny_tensor;
uint32_t tiny_tensors(const tiny_model *m, tiny_tensor *out, uint32_t cap);

#endif
