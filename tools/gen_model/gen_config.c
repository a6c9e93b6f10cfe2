/* Presets and command-line flags. */
#include "gen_model.h"
#include "gen_quant.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: mlavk-gen-model --preset NAME [options]\n"
    "presets: v2-lite-tiny v2-tiny v3-tiny v2-lite-width\n"
    "  --out-gguf FILE      write the GGUF file\n"
    "  --out-hf DIR         write the Hugging Face directory (created if missing)\n"
    "  --type T             GGUF weights: f32 f16 bf16 q8_0 q4_0 q4_k q5_k q6_k (default f32)\n"
    "  --hf-dtype T         HF weights: f32 f16 bf16 fp8 (default f32)\n"
    "  --shards N           split model.safetensors into N files with an index (default 1)\n"
    "  --seed N             weight seed (default 1)\n"
    "  --legacy-kv-b        GGUF attn_kv_b instead of attn_k_b + attn_v_b\n"
    "  --no-yarn            plain RoPE (no rope_scaling)\n"
    "  --nextn N            append N NextN/MTP blocks (GGUF nextn_predict_layers, HF num_nextn_predict_layers)\n"
    "  --tied               tied embeddings: no output.weight / lm_head.weight (HF tie_word_embeddings)\n"
    "  --temperature-scale S --temperature-length N   GGUF attention temperature keys (GGUF only)\n"
    "  --omit-key K         leave GGUF key deepseek2.K out (repeatable), e.g. attention.q_lora_rank\n"
    "  --pre NAME           GGUF tokenizer.ggml.pre (default deepseek-v3)\n"
    "  --layers N --dim N --heads N --vocab N --ctx N --experts N --experts-used N\n"
    "  --ffn N --ffn-exp N --dense N --shared N --q-lora N --kv-lora N --d-nope N --d-rope N --d-v N\n"
    "  --groups N --groups-used N\n";

static void preset_v2_lite_tiny(gen_config *c)
{
    c->dim = 256, c->layers = 3, c->heads = 4, c->q_lora = 0, c->kv_lora = 32;
    c->d_nope = 16, c->d_rope = 8, c->d_v = 16;
    c->experts = 8, c->experts_used = 2, c->experts_shared = 2, c->ffn = 96, c->ffn_exp = 32, c->n_dense = 1;
    c->groups = 1, c->groups_used = 1, c->vocab = 300, c->ctx = 256;
    c->sigmoid = false, c->exp_bias = false, c->norm_topk = false, c->routed_scale = 1.0f;
    c->yarn = true, c->yarn_factor = 40.0f, c->yarn_orig_ctx = 4096, c->mscale = 0.707f, c->mscale_all_dim = 0.707f;
}

static bool apply_preset(gen_config *c, const char *name)
{
    c->rope_theta = 10000.0f, c->eps = 1e-6f, c->beta_fast = 32.0f, c->beta_slow = 1.0f;
    preset_v2_lite_tiny(c);
    if (strcmp(name, "v2-lite-tiny") == 0)
        return true;
    if (strcmp(name, "v2-tiny") == 0) {
        c->q_lora = 24, c->experts = 16, c->experts_used = 3, c->groups = 4, c->groups_used = 2;
        c->routed_scale = 16.0f, c->vocab = 320;
        return true;
    }
    if (strcmp(name, "v3-tiny") == 0) {
        c->v3 = true, c->q_lora = 24, c->experts = 16, c->experts_used = 4, c->experts_shared = 1;
        c->groups = 4, c->groups_used = 2, c->sigmoid = true, c->exp_bias = true, c->norm_topk = true;
        c->routed_scale = 2.5f, c->mscale = 1.0f, c->mscale_all_dim = 1.0f, c->vocab = 290;
        return true;
    }
    if (strcmp(name, "v2-lite-width") == 0) {
        c->dim = 2048, c->layers = 4, c->heads = 16, c->kv_lora = 512, c->d_nope = 128, c->d_rope = 64;
        c->d_v = 128, c->experts = 64, c->experts_used = 6, c->ffn = 10944, c->ffn_exp = 1408;
        c->vocab = 32000, c->ctx = 4096;
        return true;
    }
    return false;
}

static uint64_t parse_u64(const char *flag, const char *text)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-')
        gen_die("%s: '%s' is not a non-negative integer", flag, text);
    return v;
}

static uint32_t parse_u32(const char *flag, const char *text)
{
    uint64_t v = parse_u64(flag, text);
    if (v > 0xffffffffu)
        gen_die("%s: %s is too large", flag, text);
    return (uint32_t)v;
}

/* The GGUF keys (without the deepseek2. prefix) the writer may leave out with --omit-key. */
static const char *const omittable[] = {
    "attention.q_lora_rank", "expert_gating_func", "expert_weights_scale", "expert_weights_norm",
    "expert_group_count", "expert_group_used_count", "leading_dense_block_count", "vocab_size",
    "rope.scaling.yarn_log_multiplier", "attention.head_count_kv", "expert_count", "expert_used_count",
};

static float parse_float(const char *flag, const char *text)
{
    char *end;
    errno = 0;
    float v = strtof(text, &end);
    if (errno || end == text || *end || !(v == v) || v > 1e30f || v < -1e30f)
        gen_die("%s: '%s' is not a number", flag, text);
    return v;
}

static void add_omitted(gen_config *c, const char *key)
{
    bool known = false;
    for (size_t i = 0; i < sizeof omittable / sizeof omittable[0]; i++)
        known |= strcmp(key, omittable[i]) == 0;
    if (!known)
        gen_die("--omit-key: '%s' is not a key the writer can leave out", key);
    if (c->n_omit == sizeof c->omit / sizeof c->omit[0])
        gen_die("--omit-key: too many");
    c->omit[c->n_omit++] = key;
}

static ggml_type parse_type(const char *text)
{
    static const struct { const char *name; ggml_type t; } types[] = {
        {"f32", GGML_TYPE_F32}, {"f16", GGML_TYPE_F16}, {"bf16", GGML_TYPE_BF16}, {"q8_0", GGML_TYPE_Q8_0},
        {"q4_0", GGML_TYPE_Q4_0}, {"q4_k", GGML_TYPE_Q4_K}, {"q5_k", GGML_TYPE_Q5_K}, {"q6_k", GGML_TYPE_Q6_K},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(text, types[i].name) == 0)
            return types[i].t;
    gen_die("--type: unknown type '%s' (f32 f16 bf16 q8_0 q4_0 q4_k q5_k q6_k)", text);
}

static gen_hf_dtype parse_hf_dtype(const char *text)
{
    static const char *names[] = {"f32", "f16", "bf16", "fp8"};
    for (int i = 0; i < 4; i++)
        if (strcmp(text, names[i]) == 0)
            return (gen_hf_dtype)i;
    gen_die("--hf-dtype: unknown dtype '%s' (f32 f16 bf16 fp8)", text);
}

/* Flags that take a number and set one field. */
static bool parse_dim_flag(gen_config *c, const char *flag, const char *value)
{
    static const struct { const char *flag; size_t offset; } dims[] = {
        {"--layers", offsetof(gen_config, layers)}, {"--dim", offsetof(gen_config, dim)},
        {"--heads", offsetof(gen_config, heads)}, {"--vocab", offsetof(gen_config, vocab)},
        {"--ctx", offsetof(gen_config, ctx)}, {"--experts", offsetof(gen_config, experts)},
        {"--experts-used", offsetof(gen_config, experts_used)}, {"--ffn", offsetof(gen_config, ffn)},
        {"--ffn-exp", offsetof(gen_config, ffn_exp)}, {"--dense", offsetof(gen_config, n_dense)},
        {"--q-lora", offsetof(gen_config, q_lora)}, {"--kv-lora", offsetof(gen_config, kv_lora)},
        {"--groups", offsetof(gen_config, groups)}, {"--groups-used", offsetof(gen_config, groups_used)},
        {"--shards", offsetof(gen_config, shards)}, {"--shared", offsetof(gen_config, experts_shared)},
        {"--d-nope", offsetof(gen_config, d_nope)}, {"--d-rope", offsetof(gen_config, d_rope)},
        {"--d-v", offsetof(gen_config, d_v)}, {"--nextn", offsetof(gen_config, nextn)},
        {"--temperature-length", offsetof(gen_config, temp_length)},
    };
    for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++) {
        if (strcmp(flag, dims[i].flag) == 0) {
            *(uint32_t *)((char *)c + dims[i].offset) = parse_u32(flag, value);
            return true;
        }
    }
    return false;
}

static void validate(const gen_config *c)
{
    uint32_t blocks = c->layers + c->nextn;
    if (c->dim == 0 || c->layers == 0 || c->heads == 0 || c->kv_lora == 0 || c->d_nope == 0 || c->d_v == 0 ||
        c->ffn == 0 || c->ffn_exp == 0 || c->ctx == 0 || c->shards == 0)
        gen_die("every dimension must be positive");
    if (c->d_rope == 0 || c->d_rope % 2)
        gen_die("the RoPE dimension must be even and positive");
    if (c->n_dense > blocks)
        gen_die("--dense (%u) exceeds --layers + --nextn (%u)", c->n_dense, blocks);
    if (c->experts == 0 && c->n_dense < blocks)
        gen_die("--experts 0 needs every block dense (--dense %u)", blocks);
    if (c->experts && (c->experts_used == 0 || c->experts_used > c->experts))
        gen_die("--experts-used must be between 1 and --experts (%u)", c->experts);
    if (c->experts && (c->groups == 0 || c->experts % c->groups || c->groups_used == 0 || c->groups_used > c->groups))
        gen_die("--groups must divide --experts and --groups-used must be between 1 and --groups");
    if ((c->temp_scale != 0.0f) != (c->temp_length != 0))
        gen_die("--temperature-scale and --temperature-length go together");
    if (c->temp_scale != 0.0f && c->out_hf)
        gen_die("--temperature-scale: the family's Hugging Face configs carry no attention temperature (GGUF only)");
    if (c->n_omit && c->out_hf && !c->out_gguf)
        gen_die("--omit-key applies to the GGUF file only");
    if (c->vocab < 258)
        gen_die("--vocab must be at least 258 (2 special tokens and 256 byte tokens)");
    if (!c->out_gguf && !c->out_hf)
        gen_die("nothing to write: give --out-gguf and/or --out-hf");
}

void gen_parse_args(gen_config *cfg, int argc, char **argv)
{
    memset(cfg, 0, sizeof *cfg);
    const char *preset = NULL;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--preset") == 0 && i + 1 < argc)
            preset = argv[i + 1];
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        exit(0);
    }
    if (!preset)
        gen_die("--preset is required (v2-lite-tiny v2-tiny v3-tiny v2-lite-width); see --help");
    if (!apply_preset(cfg, preset))
        gen_die("--preset: unknown preset '%s' (v2-lite-tiny v2-tiny v3-tiny v2-lite-width)", preset);
    snprintf(cfg->preset, sizeof cfg->preset, "%s", preset);
    cfg->seed = 1, cfg->shards = 1, cfg->gguf_type = GGML_TYPE_F32, cfg->hf_dtype = HF_F32, cfg->pre = "deepseek-v3";
    for (int i = 1; i < argc; i++) {
        const char *flag = argv[i];
        if (strcmp(flag, "--legacy-kv-b") == 0) {
            cfg->legacy_kv_b = true;
            continue;
        }
        if (strcmp(flag, "--no-yarn") == 0) {
            cfg->yarn = false;
            continue;
        }
        if (strcmp(flag, "--tied") == 0) {
            cfg->tied = true;
            continue;
        }
        if (i + 1 >= argc)
            gen_die("%s: unknown flag or missing value", flag);
        const char *value = argv[++i];
        if (strcmp(flag, "--preset") == 0)
            continue;
        else if (strcmp(flag, "--out-gguf") == 0)
            cfg->out_gguf = value;
        else if (strcmp(flag, "--out-hf") == 0)
            cfg->out_hf = value;
        else if (strcmp(flag, "--type") == 0)
            cfg->gguf_type = parse_type(value);
        else if (strcmp(flag, "--hf-dtype") == 0)
            cfg->hf_dtype = parse_hf_dtype(value);
        else if (strcmp(flag, "--seed") == 0)
            cfg->seed = parse_u64(flag, value);
        else if (strcmp(flag, "--temperature-scale") == 0)
            cfg->temp_scale = parse_float(flag, value);
        else if (strcmp(flag, "--pre") == 0)
            cfg->pre = value;
        else if (strcmp(flag, "--omit-key") == 0)
            add_omitted(cfg, value);
        else if (!parse_dim_flag(cfg, flag, value))
            gen_die("%s: unknown flag", flag);
    }
    validate(cfg);
}
