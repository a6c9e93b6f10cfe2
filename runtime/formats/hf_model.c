#include "formats/hf_model.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "formats/file_map.h"
#include "formats/ggml_type.h"
#include "formats/st_shards.h"
#include "util/status.h"

#define MAX_CONFIG_BYTES (1u << 20)
#define FP8_BLOCK 128

typedef struct expert_group {
    char name[64];
    const st_tensor **slots; /* one per routed expert */
    const st_file **files;
} expert_group;

typedef struct builder {
    hf_model *model;
    expert_group *groups;
    uint32_t n_groups, cap_groups;
} builder;

static const st_tensor *find_any(const hf_model *m, const char *name, const st_file **file)
{
    return st_shards_find(&m->shards, name, file);
}

/* The FP8 weight's float32 scale_inv tensor: one scale per 128x128 block, the edges ceil-divided. */
static mlavk_status fp8_piece(const hf_model *m, const st_file *file, const st_tensor *t, tensor_piece *piece)
{
    if (t->n_dims != 2)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: FP8 tensor '%s' is not 2-D", st_name(file), t->name);
    char scale_name[512];
    snprintf(scale_name, sizeof scale_name, "%s_scale_inv", t->name);
    const st_file *scale_file;
    const st_tensor *scale = find_any(m, scale_name, &scale_file);
    uint64_t rows = t->shape[0], cols = t->shape[1];
    uint64_t want0 = (rows + FP8_BLOCK - 1) / FP8_BLOCK, want1 = (cols + FP8_BLOCK - 1) / FP8_BLOCK;
    if (!scale)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: FP8 tensor '%s' has no '%s'", st_name(file), t->name, scale_name);
    if (scale->dtype != ST_F32 || scale->n_dims != 2 || scale->shape[0] != want0 || scale->shape[1] != want1)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: '%s' is not F32 [%llu, %llu]", st_name(scale_file), scale_name,
                          (unsigned long long)want0, (unsigned long long)want1);
    *piece = (tensor_piece){.kind = TENSOR_PIECE_FP8_BLOCKS, .data = t->data, .n_bytes = t->n_bytes,
                            .scales = scale->data, .rows = rows, .cols = cols};
    return MLAVK_OK;
}

/* One safetensors tensor as a piece, and the ggml type it reads as. */
static mlavk_status make_piece(const hf_model *m, const st_file *file, const st_tensor *t, tensor_piece *piece,
                               uint32_t *type)
{
    switch (t->dtype) {
    case ST_F32: *type = GGML_TYPE_F32; break;
    case ST_F16: *type = GGML_TYPE_F16; break;
    case ST_BF16: *type = GGML_TYPE_BF16; break;
    case ST_F8_E4M3: *type = GGML_TYPE_BF16; return fp8_piece(m, file, t, piece);
    default:
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: tensor '%s' has dtype %s, which mlavk cannot load",
                          st_name(file), t->name, st_dtype_name(t->dtype));
    }
    *piece = (tensor_piece){.kind = TENSOR_PIECE_RAW, .data = t->data, .n_bytes = t->n_bytes};
    return MLAVK_OK;
}

static mlavk_status add_tensor(builder *b, const st_file *file, const st_tensor *t, const char *gguf_name)
{
    if (t->n_dims < 1 || t->n_dims > 4)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' has %u dimensions (1 to 4 allowed)", st_name(file),
                          t->name, t->n_dims);
    tensor_source src = {.n_dims = t->n_dims, .n_elements = t->n_elements, .n_pieces = 1, .origin = t->name,
                         .from_fp8 = t->dtype == ST_F8_E4M3};
    snprintf(src.name, sizeof src.name, "%s", gguf_name);
    for (uint32_t d = 0; d < 4; d++)
        src.dims[d] = d < t->n_dims ? t->shape[t->n_dims - 1 - d] : 1; /* HF [out, in] is ggml {in, out} */
    if (!(src.pieces = calloc(1, sizeof *src.pieces)))
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", b->model->dir);
    mlavk_status status = make_piece(b->model, file, t, &src.pieces[0], &src.type);
    if (status != MLAVK_OK) {
        free(src.pieces);
        return status;
    }
    src.n_bytes = src.n_elements * ggml_type_get(src.type)->block_bytes;
    return tensor_sources_add(b->model->sources, &src);
}

static mlavk_status find_group(builder *b, const char *name, expert_group **out)
{
    for (uint32_t i = 0; i < b->n_groups; i++)
        if (strcmp(b->groups[i].name, name) == 0) {
            *out = &b->groups[i];
            return MLAVK_OK;
        }
    if (b->n_groups == b->cap_groups) {
        uint32_t cap = b->cap_groups ? b->cap_groups * 2 : 16;
        expert_group *groups = realloc(b->groups, cap * sizeof *groups);
        if (!groups)
            return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", b->model->dir);
        b->groups = groups;
        b->cap_groups = cap;
    }
    expert_group *g = &b->groups[b->n_groups];
    uint32_t n_expert = b->model->config.n_expert;
    memset(g, 0, sizeof *g);
    snprintf(g->name, sizeof g->name, "%s", name);
    g->slots = calloc(n_expert, sizeof *g->slots);
    g->files = calloc(n_expert, sizeof *g->files);
    b->n_groups++;
    if (!g->slots || !g->files)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", b->model->dir);
    *out = g;
    return MLAVK_OK;
}

static mlavk_status add_expert(builder *b, const st_file *file, const st_tensor *t, const char *gguf_name,
                               uint32_t expert)
{
    if (expert >= b->model->config.n_expert)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' names expert %u but config.json has %u experts",
                          st_name(file), t->name, expert, b->model->config.n_expert);
    expert_group *g = NULL;
    MLAVK_TRY(find_group(b, gguf_name, &g));
    if (g->slots[expert])
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' appears twice", st_name(file), t->name);
    g->slots[expert] = t;
    g->files[expert] = file;
    return MLAVK_OK;
}

/* Per-expert [out, in] matrices stacked into one ggml {in, out, E} tensor, one piece per expert. */
static mlavk_status stack_group(builder *b, const expert_group *g)
{
    uint32_t n_expert = b->model->config.n_expert;
    const st_tensor *first = g->slots[0];
    for (uint32_t e = 0; e < n_expert; e++) {
        const st_tensor *t = g->slots[e];
        if (!t)
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: expert %u of '%s' is missing", b->model->dir, e, g->name);
        if (t->n_dims != 2 || t->shape[0] != first->shape[0] || t->shape[1] != first->shape[1])
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' is not 2-D with the shape of expert 0",
                              st_name(g->files[e]), t->name);
    }
    tensor_source src = {.n_dims = 3, .dims = {first->shape[1], first->shape[0], n_expert, 1},
                         .n_elements = first->n_elements * n_expert, .n_pieces = n_expert, .origin = first->name};
    snprintf(src.name, sizeof src.name, "%s", g->name);
    if (!(src.pieces = calloc(n_expert, sizeof *src.pieces)))
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", b->model->dir);
    for (uint32_t e = 0; e < n_expert; e++) {
        uint32_t type;
        mlavk_status status = make_piece(b->model, g->files[e], g->slots[e], &src.pieces[e], &type);
        if (status == MLAVK_OK && e > 0 && type != src.type)
            status = mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' has another dtype than expert 0",
                                st_name(g->files[e]), g->slots[e]->name);
        if (status != MLAVK_OK) {
            free(src.pieces);
            return status;
        }
        src.type = type;
        src.from_fp8 |= g->slots[e]->dtype == ST_F8_E4M3;
    }
    src.n_bytes = src.n_elements * ggml_type_get(src.type)->block_bytes;
    return tensor_sources_add(b->model->sources, &src);
}

static mlavk_status map_shard(builder *b, const st_file *file)
{
    for (uint32_t i = 0; i < st_tensor_count(file); i++) {
        const st_tensor *t = st_tensor_at(file, i);
        char gguf_name[64];
        uint32_t expert;
        const deepseek_config *c = &b->model->config;
        hf_name_kind kind = hf_map_name(t->name, c->n_layer, c->n_nextn_layers, gguf_name, sizeof gguf_name, &expert);
        if (kind == HF_NAME_UNKNOWN)
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' is not one mlavk knows in a DeepSeek checkpoint "
                              "with %u blocks and %u MTP blocks", st_name(file), t->name, c->n_layer,
                              c->n_nextn_layers);
        if (kind == HF_NAME_TENSOR && c->tied_embeddings && strcmp(gguf_name, "output.weight") == 0)
            continue; /* tied: token_embd serves as the output projection, as the converter drops lm_head */
        if (kind == HF_NAME_TENSOR)
            MLAVK_TRY(add_tensor(b, file, t, gguf_name));
        else if (kind == HF_NAME_EXPERT)
            MLAVK_TRY(add_expert(b, file, t, gguf_name, expert));
    }
    return MLAVK_OK;
}

static mlavk_status build_sources(hf_model *m)
{
    MLAVK_TRY(tensor_sources_create(m->dir, &m->sources));
    builder b = {.model = m};
    mlavk_status status = MLAVK_OK;
    for (uint32_t i = 0; i < m->shards.count && status == MLAVK_OK; i++)
        status = map_shard(&b, m->shards.files[i]);
    for (uint32_t i = 0; i < b.n_groups && status == MLAVK_OK; i++)
        status = stack_group(&b, &b.groups[i]);
    for (uint32_t i = 0; i < b.n_groups; i++) {
        free(b.groups[i].slots);
        free(b.groups[i].files);
    }
    free(b.groups);
    return status == MLAVK_OK ? tensor_sources_seal(m->sources) : status;
}

static mlavk_status read_config(hf_model *m)
{
    char *path = path_join(m->dir, "config.json");
    if (!path)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", m->dir);
    if (!path_is_file(path)) {
        free(path);
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: no config.json (not a Hugging Face model directory)", m->dir);
    }
    char *text;
    size_t size;
    mlavk_status status = file_read_text(path, MAX_CONFIG_BYTES, &text, &size);
    if (status == MLAVK_OK) {
        status = deepseek_config_from_json(text, size, path, &m->config);
        m->file_bytes += size;
        free(text);
    }
    free(path);
    return status;
}

/* The tokenizer files are read whole through stdio, never mapped: any file but a directory will do, a named pipe
 * too (a test of mlavk serve holds the model's load on one). */
static bool tokenizer_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

static mlavk_status find_tokenizer_files(hf_model *m)
{
    m->tokenizer_json = path_join(m->dir, "tokenizer.json");
    m->tokenizer_config_json = path_join(m->dir, "tokenizer_config.json");
    if (!m->tokenizer_json || !m->tokenizer_config_json)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", m->dir);
    if (!tokenizer_file_exists(m->tokenizer_json)) {
        free(m->tokenizer_json);
        m->tokenizer_json = NULL;
    }
    if (!tokenizer_file_exists(m->tokenizer_config_json)) {
        free(m->tokenizer_config_json);
        m->tokenizer_config_json = NULL;
    }
    return MLAVK_OK;
}

static mlavk_status open_model(hf_model *m)
{
    MLAVK_TRY(read_config(m));
    mlavk_status status = st_shards_open(m->dir, &m->shards);
    m->file_bytes += m->shards.bytes;
    MLAVK_TRY(status);
    MLAVK_TRY(build_sources(m));
    return find_tokenizer_files(m);
}

mlavk_status hf_model_open(const char *dir, hf_model **out)
{
    *out = NULL;
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return mlavk_fail(MLAVK_ERR_IO, "%s: not a directory", dir);
    hf_model *m = calloc(1, sizeof *m);
    if (!m || !(m->dir = strdup(dir))) {
        free(m);
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", dir);
    }
    size_t len = strlen(m->dir);
    while (len > 1 && m->dir[len - 1] == '/')
        m->dir[--len] = '\0';
    mlavk_status status = open_model(m);
    if (status != MLAVK_OK) {
        hf_model_close(m);
        return status;
    }
    *out = m;
    return MLAVK_OK;
}

void hf_model_close(hf_model *m)
{
    if (!m)
        return;
    tensor_sources_free(m->sources);
    st_shards_close(&m->shards);
    free(m->tokenizer_json);
    free(m->tokenizer_config_json);
    free(m->dir);
    free(m);
}
