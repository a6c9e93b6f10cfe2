/* safetensors reader: an 8-byte little-endian header length, a JSON header, then the tensor bytes. Untrusted
 * input: the header length, every shape and every data_offsets pair are checked against the file. */
#ifndef MLAVK_FORMATS_SAFETENSORS_H
#define MLAVK_FORMATS_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "mlavk.h"

#define SAFETENSORS_MAX_DIMS 8
/* Headers are metadata only; the largest real ones are a few MB. */
#define SAFETENSORS_MAX_HEADER (100u << 20)

typedef enum st_dtype {
    ST_F32, ST_F16, ST_BF16, ST_F8_E4M3, /* loadable */
    ST_F64, ST_F8_E5M2, ST_I64, ST_I32, ST_I16, ST_I8, ST_U64, ST_U32, ST_U16, ST_U8, ST_BOOL,
    ST_DTYPE_COUNT
} st_dtype;

typedef struct st_tensor {
    const char *name;
    st_dtype dtype;
    uint32_t n_dims;
    uint64_t shape[SAFETENSORS_MAX_DIMS]; /* outermost first, as written */
    uint64_t n_elements;
    uint64_t n_bytes;
    const void *data;
} st_tensor;

typedef struct st_file st_file;

mlavk_status st_open(const char *path, st_file **out);
/* The buffer must outlive the st_file; name stands for the file in messages. */
mlavk_status st_open_memory(const void *data, size_t size, const char *name, st_file **out);
void st_close(st_file *st);

const char *st_name(const st_file *st);
uint64_t st_file_size(const st_file *st);
uint32_t st_tensor_count(const st_file *st);
const st_tensor *st_tensor_at(const st_file *st, uint32_t index);
const st_tensor *st_find(const st_file *st, const char *name); /* NULL when absent */

const char *st_dtype_name(st_dtype dtype);
uint32_t st_dtype_size(st_dtype dtype);

#endif
