/* Writes, into the directory given as argv[1], a valid tiny model in both formats and one file (or directory) per
 * kind of bad input, each corrupted in one specific way. Run as a ctest fixture before the failure tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model_writer.h"
#include "model_writer_gqa.h"

static const char *out_dir;
static int failures;

static void save(const char *name, const uint8_t *data, size_t size)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", out_dir, name);
    if (!bb_write_file(data, size, path)) {
        fprintf(stderr, "make_bad_models: cannot write %s\n", path);
        failures++;
    }
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A small GGUF with two f32 tensors "a" {8} and "b" {4, 2}; positions of fields the corruptions patch. */
typedef struct small_gguf {
    byte_buf file;
    size_t info_a, info_b; /* offset of each tensor's name length */
    size_t string_len;     /* offset of the general.name value's length */
    size_t type_field;     /* offset of the second key's value type */
} small_gguf;

static void build_small(small_gguf *s)
{
    gguf_writer w;
    gw_init(&w);
    gw_str(&w, "general.architecture", "deepseek2");
    size_t second_key = w.kv.size;
    gw_str(&w, "general.name", "small");
    float a[8] = {1, 2, 3, 4, 5, 6, 7, 8}, b[8] = {8, 7, 6, 5, 4, 3, 2, 1};
    uint64_t dims_a[1] = {8}, dims_b[2] = {4, 2};
    gw_tensor(&w, "a", 0, 1, dims_a, a, sizeof a);
    size_t info_b = w.info.size;
    gw_tensor(&w, "b", 0, 2, dims_b, b, sizeof b);
    size_t kv_start = 24, kv_size = w.kv.size;
    gw_finish(&w, &s->file);
    s->type_field = kv_start + second_key + 8 + strlen("general.name");
    s->string_len = s->type_field + 4;
    s->info_a = kv_start + kv_size;
    s->info_b = s->info_a + info_b;
}

static void corrupt_small(const char *name, void (*patch)(small_gguf *s))
{
    small_gguf s;
    build_small(&s);
    patch(&s);
    save(name, s.file.data, s.file.size);
    bb_free(&s.file);
}

/* Field offsets inside a tensor info with a one-character name: len 8, name 1, n_dims 4, dims, type 4, offset 8. */
static size_t dims_at(size_t info) { return info + 13; }
static size_t type_at(size_t info, uint32_t n_dims) { return info + 13 + 8 * n_dims; }
static size_t offset_at(size_t info, uint32_t n_dims) { return type_at(info, n_dims) + 4; }

static void patch_magic(small_gguf *s) { memcpy(s->file.data, "GGML", 4); }
static void patch_version(small_gguf *s) { put_u32(s->file.data + 4, 1); }
static void patch_truncate_header(small_gguf *s) { s->file.size = s->info_a + 5; }
static void patch_truncate_data(small_gguf *s) { s->file.size -= 4; }
static void patch_offset_past_end(small_gguf *s) { put_u64(s->file.data + offset_at(s->info_b, 2), 1u << 20); }
static void patch_misaligned(small_gguf *s) { put_u64(s->file.data + offset_at(s->info_b, 2), 8); }
static void patch_overlap(small_gguf *s) { put_u64(s->file.data + offset_at(s->info_b, 2), 0); }
static void patch_overflow(small_gguf *s)
{
    put_u64(s->file.data + dims_at(s->info_b), 1ull << 40);
    put_u64(s->file.data + dims_at(s->info_b) + 8, 1ull << 40);
}
static void patch_string_length(small_gguf *s) { put_u64(s->file.data + s->string_len, 1ull << 40); }
static void patch_value_type(small_gguf *s) { put_u32(s->file.data + s->type_field, 99); }
/* Type id 4 was ggml's Q4_2, removed long ago: no file may use it. */
static void patch_tensor_type(small_gguf *s) { put_u32(s->file.data + type_at(s->info_b, 2), 4); }

static void write_gguf_cases(void)
{
    corrupt_small("wrong_magic.gguf", patch_magic);
    corrupt_small("version1.gguf", patch_version);
    corrupt_small("truncated_header.gguf", patch_truncate_header);
    corrupt_small("truncated_data.gguf", patch_truncate_data);
    corrupt_small("offset_past_end.gguf", patch_offset_past_end);
    corrupt_small("misaligned.gguf", patch_misaligned);
    corrupt_small("overlap.gguf", patch_overlap);
    corrupt_small("dims_overflow.gguf", patch_overflow);
    corrupt_small("string_too_long.gguf", patch_string_length);
    corrupt_small("unknown_value_type.gguf", patch_value_type);
    corrupt_small("unknown_tensor_type.gguf", patch_tensor_type);
    save("empty.gguf", (const uint8_t *)"", 0);
}

static void write_model(const char *name, void (*adjust)(tiny_model *m))
{
    tiny_model m;
    tiny_model_default(&m);
    adjust(&m);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", out_dir, name);
    if (!tiny_write_gguf(&m, path)) {
        fprintf(stderr, "make_bad_models: cannot write %s\n", path);
        failures++;
    }
}

static void as_is(tiny_model *m) { (void)m; }
static void split_v3(tiny_model *m) { m->split_kv_b = true, m->v3 = true, m->r_q = 0, m->weight_type = 1; }
static void no_embedding_length(tiny_model *m) { m->omit_key = "deepseek2.embedding_length"; }
static void no_kv_a(tiny_model *m) { m->omit_tensor = "blk.1.attn_kv_a_mqa.weight"; }
static void misshapen(tiny_model *m) { m->misshape = "blk.1.ffn_up_exps.weight"; }
/* Q8_1 holds activations in ggml, never weights: no kernel reads it. */
static void q8_1(tiny_model *m) { m->odd_type = 9, m->odd_type_tensor = "blk.0.attn_kv_b.weight"; }
static void split_block(tiny_model *m) { m->odd_type = 6, m->odd_type_tensor = "blk.0.attn_output.weight"; }

/* Shapes and keys of the MLA family that mlavk must refuse in one line rather than guess at. */
static void unknown_key(tiny_model *m) { m->extra_key = "deepseek2.attention.sliding_window", m->extra_value = 128; }
static void unknown_tensor(tiny_model *m) { m->extra_tensor = "blk.0.attn_output.scale"; }
static void no_q_lora_rank(tiny_model *m) { m->omit_key = "deepseek2.attention.q_lora_rank"; }
static void q_lora_in_v2_lite(tiny_model *m) { m->L = 27; }
static void temperature_without_length(tiny_model *m)
{
    m->extra_key = "deepseek2.attention.temperature_scale", m->extra_f32 = 0.1f;
}
static void all_blocks_mtp(tiny_model *m) { m->extra_key = "deepseek2.nextn_predict_layers", m->extra_value = 2; }
static void mtp_only(tiny_model *m)
{
    m->extra_key = "deepseek2.nextn_predict_layers", m->extra_value = 1, m->omit_tensor = "blk.0.attn_norm.weight";
}
static void misshapen_mtp(tiny_model *m)
{
    m->extra_key = "deepseek2.nextn_predict_layers", m->extra_value = 1, m->misshape = "blk.1.ffn_up_exps.weight";
}
static void moe_without_experts(tiny_model *m) { m->omit_key = "deepseek2.expert_count"; }
static void rope_attn_factor(tiny_model *m) { m->extra_key = "deepseek2.rope.scaling.attn_factor", m->extra_f32 = 2; }
static void gating_sqrt_softplus(tiny_model *m) { m->extra_key = "deepseek2.expert_gating_func", m->extra_value = 4; }
/* A valid file: the second block is an MTP block without its nextn tensors (llama.cpp's "trunk only" form). */
static void trunk_only(tiny_model *m) { m->extra_key = "deepseek2.nextn_predict_layers", m->extra_value = 1; }

/* The smallest complete model, for the fuzz seed corpus. */
static void micro(tiny_model *m)
{
    *m = (tiny_model){.D = 16, .L = 2, .H = 2, .r_kv = 8, .d_n = 4, .d_r = 4, .d_v = 4, .E = 2, .k = 1, .S = 1,
                      .F = 8, .F_e = 4, .n_dense = 1, .vocab = 4, .ctx = 64, .weight_type = 1, .seed = 3};
}

static void write_hf_cases(void)
{
    char dir[1024], path[1100];
    tiny_model m;
    micro(&m);
    m.v3 = true;
    snprintf(dir, sizeof dir, "%s/hf_micro", out_dir);
    tiny_write_hf(&m, dir);
    tiny_model_default(&m);
    snprintf(dir, sizeof dir, "%s/hf_ok", out_dir);
    tiny_write_hf(&m, dir);
    m.v3 = true, m.fp8 = true, m.sharded = true;
    snprintf(dir, sizeof dir, "%s/hf_v3_fp8", out_dir);
    tiny_write_hf(&m, dir);
    tiny_model_default(&m);
    snprintf(dir, sizeof dir, "%s/hf_bad_config", out_dir);
    tiny_write_hf(&m, dir);
    snprintf(path, sizeof path, "%s/config.json", dir);
    bb_write_file((const uint8_t *)"{\"architectures\": [\"DeepseekV2ForCausalLM\",", 44, path);
    snprintf(dir, sizeof dir, "%s/hf_llama", out_dir);
    tiny_write_hf(&m, dir);
    snprintf(path, sizeof path, "%s/config.json", dir);
    bb_write_file((const uint8_t *)"{\"architectures\": [\"LlamaForCausalLM\"]}", 39, path);
    snprintf(dir, sizeof dir, "%s/hf_no_config", out_dir);
    tiny_write_hf(&m, dir);
    snprintf(path, sizeof path, "%s/config.json", dir);
    remove(path);
    snprintf(dir, sizeof dir, "%s/hf_bad_header", out_dir);
    tiny_write_hf(&m, dir);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    bb_write_file((const uint8_t *)"\x0c\0\0\0\0\0\0\0{\"a\": [1,,]}", 20, path);
    static const struct {
        const char *dir, *extra_tensor, *config_extra;
    } refused[] = {
        {"hf_unknown_tensor", "model.layers.0.self_attn.q_norm.weight", NULL},
        {"hf_block_past_the_mtp_blocks", "model.layers.5.input_layernorm.weight", NULL},
        {"hf_moe_every_other_block", NULL, ",\n \"moe_layer_freq\": 2"},
        {"hf_attention_bias", NULL, ",\n \"attention_bias\": true"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        tiny_model bad = m;
        bad.extra_tensor = refused[i].extra_tensor, bad.hf_config_extra = refused[i].config_extra;
        snprintf(dir, sizeof dir, "%s/%s", out_dir, refused[i].dir);
        tiny_write_hf(&bad, dir);
    }
    snprintf(dir, sizeof dir, "%s/hf_header_too_long", out_dir);
    tiny_write_hf(&m, dir);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    bb_write_file((const uint8_t *)"\xff\xff\0\0\0\0\0\0{}", 10, path);
}

/* Micro GQA models (fuzz seeds): a llama GGUF in Q8_0, a qwen2 GGUF in F16, and both as HF directories. */
static void write_gqa_seeds(void)
{
    for (int qwen2 = 0; qwen2 < 2; qwen2++) {
        gqa_tiny w;
        gqa_tiny_default(&w, qwen2);
        w.D = 32, w.L = 1, w.H = 2, w.H_kv = 1, w.d = 16, w.F = 32, w.vocab = 8;
        w.weight_type = qwen2 ? 1 : 8;
        char path[512];
        snprintf(path, sizeof path, "%s/gqa_%s_micro.gguf", out_dir, qwen2 ? "qwen2" : "llama");
        if (!gqa_tiny_write_gguf(&w, path))
            failures++;
        snprintf(path, sizeof path, "%s/gqa_hf_%s", out_dir, qwen2 ? "qwen2" : "llama");
        if (!gqa_tiny_write_hf(&w, path))
            failures++;
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_bad_models OUT_DIR\n");
        return 2;
    }
    out_dir = argv[1];
    mkdir(out_dir, 0755);
    write_gguf_cases();
    write_model("tiny.gguf", as_is);
    write_model("micro.gguf", micro);
    write_model("tiny_split_v3.gguf", split_v3);
    write_model("missing_key.gguf", no_embedding_length);
    write_model("missing_tensor.gguf", no_kv_a);
    write_model("wrong_shape.gguf", misshapen);
    write_model("not_runnable.gguf", q8_1);
    write_model("row_splits_block.gguf", split_block);
    write_model("unknown_key.gguf", unknown_key);
    write_model("unknown_tensor.gguf", unknown_tensor);
    write_model("no_q_lora_rank.gguf", no_q_lora_rank);
    write_model("q_lora_in_v2_lite.gguf", q_lora_in_v2_lite);
    write_model("temperature_without_length.gguf", temperature_without_length);
    write_model("all_blocks_mtp.gguf", all_blocks_mtp);
    write_model("mtp_only.gguf", mtp_only);
    write_model("misshapen_mtp.gguf", misshapen_mtp);
    write_model("moe_without_experts.gguf", moe_without_experts);
    write_model("rope_attn_factor.gguf", rope_attn_factor);
    write_model("gating_sqrt_softplus.gguf", gating_sqrt_softplus);
    write_model("trunk_only_mtp.gguf", trunk_only);
    write_hf_cases();
    write_gqa_seeds();
    return failures ? 1 : 0;
}
