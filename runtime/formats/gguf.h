/* GGUF v2/v3 reader: metadata, tensor infos and tensor data, from a read-only mapping or a memory buffer.
 * Every file is untrusted: each count, length and offset is checked before use, and a failure names the file
 * and the problem in one line. Little-endian files only. */
#ifndef MLAVK_FORMATS_GGUF_H
#define MLAVK_FORMATS_GGUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlavk.h"

#define GGUF_MAX_DIMS 4
#define GGUF_DEFAULT_ALIGNMENT 32

typedef enum gguf_value_type {
    GGUF_TYPE_U8 = 0,
    GGUF_TYPE_I8 = 1,
    GGUF_TYPE_U16 = 2,
    GGUF_TYPE_I16 = 3,
    GGUF_TYPE_U32 = 4,
    GGUF_TYPE_I32 = 5,
    GGUF_TYPE_F32 = 6,
    GGUF_TYPE_BOOL = 7,
    GGUF_TYPE_STRING = 8,
    GGUF_TYPE_ARRAY = 9,
    GGUF_TYPE_U64 = 10,
    GGUF_TYPE_I64 = 11,
    GGUF_TYPE_F64 = 12,
    GGUF_TYPE_COUNT
} gguf_value_type;

/* Points into the file; not NUL-terminated. */
typedef struct gguf_string {
    const char *data;
    uint64_t len;
} gguf_string;

typedef struct gguf_value gguf_value;

typedef struct gguf_array {
    gguf_value_type elem_type;
    uint64_t count;
    const uint8_t *raw;       /* scalar elements: little-endian, possibly unaligned, inside the file */
    gguf_string *strings;     /* string elements (owned index into the file) */
    gguf_value *items;        /* array elements (owned) */
} gguf_array;

struct gguf_value {
    gguf_value_type type;
    union {
        uint64_t u;           /* U8, U16, U32, U64, BOOL */
        int64_t i;            /* I8, I16, I32, I64 */
        double f;             /* F32, F64 */
        gguf_string str;
        gguf_array arr;
    } as;
};

typedef struct gguf_kv {
    const char *key;          /* NUL-terminated copy */
    gguf_value value;
} gguf_kv;

typedef struct gguf_tensor {
    const char *name;         /* NUL-terminated copy */
    uint32_t type;            /* ggml_type id, known to ggml_type_get() */
    uint32_t n_dims;
    uint64_t dims[GGUF_MAX_DIMS]; /* innermost first; 1 beyond n_dims */
    uint64_t n_elements;
    uint64_t offset;          /* from the start of the data section */
    uint64_t n_bytes;
    const void *data;
} gguf_tensor;

typedef struct gguf_file gguf_file;

/* Maps the file read-only and parses it; the mapping lives until gguf_close(). */
mlavk_status gguf_open(const char *path, gguf_file **out);

/* Parses a buffer that must outlive the gguf_file; name stands for the file in messages. */
mlavk_status gguf_open_memory(const void *data, size_t size, const char *name, gguf_file **out);

void gguf_close(gguf_file *gguf);

const char *gguf_name(const gguf_file *gguf);
uint32_t gguf_version(const gguf_file *gguf);
uint64_t gguf_file_size(const gguf_file *gguf);
uint32_t gguf_alignment(const gguf_file *gguf);

uint64_t gguf_kv_count(const gguf_file *gguf);
const gguf_kv *gguf_kv_at(const gguf_file *gguf, uint64_t index);
/* NULL when absent. */
const gguf_value *gguf_find(const gguf_file *gguf, const char *key);

/* Typed getters. Integers convert between widths and signedness when the value fits; floats read F32 or F64.
 * A missing key or a value of another type fails with "<file>: key 'K' ..." (MLAVK_ERR_FORMAT). */
mlavk_status gguf_get_u32(const gguf_file *gguf, const char *key, uint32_t *out);
mlavk_status gguf_get_u64(const gguf_file *gguf, const char *key, uint64_t *out);
mlavk_status gguf_get_i64(const gguf_file *gguf, const char *key, int64_t *out);
mlavk_status gguf_get_f32(const gguf_file *gguf, const char *key, float *out);
mlavk_status gguf_get_bool(const gguf_file *gguf, const char *key, bool *out);
mlavk_status gguf_get_string(const gguf_file *gguf, const char *key, gguf_string *out);
/* The array under key; fails when missing or not an array. */
mlavk_status gguf_get_array(const gguf_file *gguf, const char *key, const gguf_array **out);

/* Value conversions, for array elements and nested values; false when the value does not fit the target. */
bool gguf_value_to_u64(const gguf_value *value, uint64_t *out);
bool gguf_value_to_i64(const gguf_value *value, int64_t *out);
bool gguf_value_to_f64(const gguf_value *value, double *out);
/* Element i of a scalar array as a value (integers, floats, bools); false for strings, arrays or i >= count. */
bool gguf_array_scalar(const gguf_array *array, uint64_t i, gguf_value *out);
bool gguf_string_equals(gguf_string s, const char *text);

uint64_t gguf_tensor_count(const gguf_file *gguf);
const gguf_tensor *gguf_tensor_at(const gguf_file *gguf, uint64_t index);
/* NULL when absent. */
const gguf_tensor *gguf_find_tensor(const gguf_file *gguf, const char *name);

const char *gguf_type_name(gguf_value_type type);

#endif
