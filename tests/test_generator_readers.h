/* Minimal GGUF and safetensors readers for checking the generator's files. Written apart from both the
 * generator and runtime/formats on purpose: a bug shared by writer and reader would cancel out. */
#ifndef MLAVK_TEST_GENERATOR_READERS_H
#define MLAVK_TEST_GENERATOR_READERS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mini_kv {
    char key[128];
    uint32_t type;
    const uint8_t *value;
} mini_kv;

typedef struct mini_tensor {
    char name[96];
    uint32_t n_dims, type;
    uint64_t ne[4], offset, bytes;
    const uint8_t *data;
} mini_tensor;

typedef struct mini_gguf {
    uint8_t *file;
    size_t size;
    uint32_t version, alignment;
    uint64_t n_kv, n_tensors, data_start;
    mini_kv *kv;
    mini_tensor *tensors;
} mini_gguf;

/* Parses and bounds-checks header, key/values and tensor table; records test failures and returns false
 * on anything malformed. */
bool mini_gguf_open(mini_gguf *g, const char *path);
void mini_gguf_close(mini_gguf *g);
const mini_kv *mini_gguf_kv(const mini_gguf *g, const char *key);
bool mini_gguf_u32(const mini_gguf *g, const char *key, uint32_t *out);
bool mini_gguf_f32(const mini_gguf *g, const char *key, float *out);
bool mini_gguf_bool(const mini_gguf *g, const char *key, bool *out);
/* A string value as a NUL-terminated copy (caller frees); NULL when absent or not a string. */
char *mini_gguf_str(const mini_gguf *g, const char *key);
/* String array element i as a copy (caller frees), with the array's length in *count. */
char *mini_gguf_str_at(const mini_gguf *g, const char *key, uint64_t i, uint64_t *count);
const mini_tensor *mini_gguf_tensor(const mini_gguf *g, const char *name);
/* Decodes F32, F16, BF16, Q8_0 and Q4_K into a new array; NULL for other types. */
float *mini_tensor_f32(const mini_tensor *t);

typedef struct mini_st_file {
    uint8_t *file;
    size_t size;
    uint64_t data_start;
    cJSON *header;
} mini_st_file;

typedef struct mini_hf {
    mini_st_file files[8];
    int n_files;
    int n_tensors; /* over all files, __metadata__ excluded */
    cJSON *config, *tokenizer, *tokenizer_config, *index;
} mini_hf;

bool mini_hf_open(mini_hf *hf, const char *dir);
void mini_hf_close(mini_hf *hf);
/* The header entry of a tensor and the file holding it. */
const cJSON *mini_hf_entry(const mini_hf *hf, const char *name, const mini_st_file **file);
/* Decodes F32, F16, BF16 or F8_E4M3 (times its weight_scale_inv blocks) into a new array. */
float *mini_hf_f32(const mini_hf *hf, const char *name, uint64_t *count);

#endif
