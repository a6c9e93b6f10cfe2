/* The tiny model as a Hugging Face checkpoint directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model_writer.h"
#include "util/half.h"

static const char *const hf_names[][2] = {
    {"attn_norm.weight", "input_layernorm.weight"},
    {"ffn_norm.weight", "post_attention_layernorm.weight"},
    {"attn_q.weight", "self_attn.q_proj.weight"},
    {"attn_q_a.weight", "self_attn.q_a_proj.weight"},
    {"attn_q_a_norm.weight", "self_attn.q_a_layernorm.weight"},
    {"attn_q_b.weight", "self_attn.q_b_proj.weight"},
    {"attn_kv_a_mqa.weight", "self_attn.kv_a_proj_with_mqa.weight"},
    {"attn_kv_a_norm.weight", "self_attn.kv_a_layernorm.weight"},
    {"attn_kv_b.weight", "self_attn.kv_b_proj.weight"},
    {"attn_output.weight", "self_attn.o_proj.weight"},
    {"ffn_gate.weight", "mlp.gate_proj.weight"},
    {"ffn_up.weight", "mlp.up_proj.weight"},
    {"ffn_down.weight", "mlp.down_proj.weight"},
    {"ffn_gate_inp.weight", "mlp.gate.weight"},
    {"exp_probs_b.bias", "mlp.gate.e_score_correction_bias"},
    {"ffn_gate_shexp.weight", "mlp.shared_experts.gate_proj.weight"},
    {"ffn_up_shexp.weight", "mlp.shared_experts.up_proj.weight"},
    {"ffn_down_shexp.weight", "mlp.shared_experts.down_proj.weight"},
    {"ffn_gate_exps.weight", "gate_proj.weight"},
    {"ffn_up_exps.weight", "up_proj.weight"},
    {"ffn_down_exps.weight", "down_proj.weight"},
};

static void hf_name(const char *gguf, char *out, size_t cap)
{
    if (strcmp(gguf, "token_embd.weight") == 0)
        snprintf(out, cap, "model.embed_tokens.weight");
    else if (strcmp(gguf, "output_norm.weight") == 0)
        snprintf(out, cap, "model.norm.weight");
    else if (strcmp(gguf, "output.weight") == 0)
        snprintf(out, cap, "lm_head.weight");
    else {
        int layer = atoi(gguf + 4);
        const char *rest = strchr(gguf + 4, '.') + 1;
        for (size_t i = 0; i < sizeof hf_names / sizeof hf_names[0]; i++)
            if (strcmp(rest, hf_names[i][0]) == 0)
                snprintf(out, cap, "model.layers.%d.%s", layer, hf_names[i][1]);
    }
}

static uint64_t name_seed(const char *s, uint64_t seed)
{
    uint64_t h = 1469598103934665603ull ^ seed;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

/* One 2-D (or 1-D) HF tensor: F32 norms and router, FP8 with scales or BF16 weights. */
static void write_matrix(const tiny_model *m, st_writer *w, const char *name, const tiny_tensor *t,
                         const float *values, uint64_t rows, uint64_t cols)
{
    uint64_t shape[2] = {rows, cols};
    if (t->n_dims == 1)
        shape[0] = cols;
    uint64_t n = rows * cols;
    bool plain_f32 = t->n_dims == 1 || strstr(t->name, "gate_inp");
    bool fp8 = m->fp8 && !plain_f32 && strcmp(t->name, "token_embd.weight") && strcmp(t->name, "output.weight");
    if (plain_f32) {
        sw_tensor(w, name, "F32", t->n_dims == 1 ? 1 : 2, shape, values, n * 4);
    } else if (fp8) {
        uint8_t *bytes = malloc(n);
        test_rng rng = {name_seed(name, m->seed)};
        for (uint64_t i = 0; i < n; i++) {
            bytes[i] = (uint8_t)test_rng_below(&rng, 256);
            if ((bytes[i] & 0x7f) == 0x7f)
                bytes[i] = 0x3f;
        }
        sw_tensor(w, name, "F8_E4M3", 2, shape, bytes, n);
        uint64_t scale_shape[2] = {(rows + 127) / 128, (cols + 127) / 128};
        float scales[64];
        for (uint64_t i = 0; i < scale_shape[0] * scale_shape[1]; i++)
            scales[i] = 0.5f + (float)i;
        char scale_name[160];
        snprintf(scale_name, sizeof scale_name, "%s_scale_inv", name);
        sw_tensor(w, scale_name, "F32", 2, scale_shape, scales, scale_shape[0] * scale_shape[1] * 4);
        free(bytes);
    } else {
        uint16_t *bf = malloc(n * 2);
        for (uint64_t i = 0; i < n; i++)
            bf[i] = mlavk_f32_to_bf16(values[i]);
        sw_tensor(w, name, "BF16", 2, shape, bf, n * 2);
        free(bf);
    }
}

static void write_tensor(const tiny_model *m, st_writer *w, const tiny_tensor *t)
{
    uint64_t n = t->dims[0] * t->dims[1] * t->dims[2];
    test_rng rng = {name_seed(t->name, m->seed)};
    float *values = malloc(n * sizeof *values);
    test_rng_fill(&rng, values, n, -1.0f, 1.0f);
    char name[160];
    hf_name(t->name, name, sizeof name);
    if (!t->expert) {
        write_matrix(m, w, name, t, values, t->dims[1], t->dims[0]);
    } else {
        int layer = atoi(t->name + 4);
        for (uint64_t e = 0; e < t->dims[2]; e++) {
            char expert_name[160];
            const char *part = strchr(name + strlen("model.layers."), '.') + 1; /* "gate_proj.weight" */
            snprintf(expert_name, sizeof expert_name, "model.layers.%d.mlp.experts.%llu.%s", layer,
                     (unsigned long long)e, part);
            write_matrix(m, w, expert_name, t, values + e * t->dims[0] * t->dims[1], t->dims[1], t->dims[0]);
        }
    }
    free(values);
}

static bool write_config(const tiny_model *m, const char *dir)
{
    char path[512], text[2048];
    snprintf(path, sizeof path, "%s/config.json", dir);
    int n = snprintf(text, sizeof text,
                     "{\"architectures\": [\"%s\"], \"hidden_size\": %u, \"num_hidden_layers\": %u,\n"
                     " \"num_attention_heads\": %u, \"q_lora_rank\": %s, \"kv_lora_rank\": %u,\n"
                     " \"qk_nope_head_dim\": %u, \"qk_rope_head_dim\": %u, \"v_head_dim\": %u,\n"
                     " \"n_routed_experts\": %u, \"num_experts_per_tok\": %u, \"n_shared_experts\": %u,\n"
                     " \"intermediate_size\": %u, \"moe_intermediate_size\": %u, \"first_k_dense_replace\": %u,\n"
                     " \"vocab_size\": %u, \"max_position_embeddings\": %u, \"rms_norm_eps\": 1e-06,\n"
                     " \"rope_theta\": 10000, \"bos_token_id\": 0, \"eos_token_id\": 1,\n"
                     " \"rope_scaling\": {\"type\": \"yarn\", \"factor\": 40, \"original_max_position_embeddings\": 64,\n"
                     "   \"beta_fast\": 32, \"beta_slow\": 1, \"mscale\": 0.707, \"mscale_all_dim\": 0.707}",
                     m->v3 ? "DeepseekV3ForCausalLM" : "DeepseekV2ForCausalLM", m->D, m->L, m->H,
                     m->r_q ? "40" : "null", m->r_kv, m->d_n, m->d_r, m->d_v, m->E, m->k, m->S, m->F, m->F_e,
                     m->n_dense, m->vocab, m->ctx);
    if (m->v3)
        n += snprintf(text + n, sizeof text - (size_t)n,
                      ",\n \"scoring_func\": \"sigmoid\", \"topk_method\": \"noaux_tc\", \"n_group\": 2, "
                      "\"topk_group\": 1,\n \"norm_topk_prob\": true, \"routed_scaling_factor\": 2.5, "
                      "\"num_nextn_predict_layers\": 1");
    snprintf(text + n, sizeof text - (size_t)n, "%s}\n", m->hf_config_extra ? m->hf_config_extra : "");
    return bb_write_file((const uint8_t *)text, strlen(text), path);
}

static bool write_shard(st_writer *w, const char *dir, const char *file)
{
    char path[512];
    byte_buf out;
    snprintf(path, sizeof path, "%s/%s", dir, file);
    sw_finish(w, &out);
    bool ok = bb_write_file(out.data, out.size, path);
    bb_free(&out);
    return ok;
}

/* A multi-token-prediction block past num_hidden_layers, which the loader must skip. */
static void write_mtp_layer(const tiny_model *m, st_writer *w)
{
    float eh[16] = {0};
    uint64_t shape[2] = {4, 4};
    char name[96];
    snprintf(name, sizeof name, "model.layers.%u.eh_proj.weight", m->L);
    sw_tensor(w, name, "F32", 2, shape, eh, sizeof eh);
    snprintf(name, sizeof name, "model.layers.%u.self_attn.q_a_proj.weight", m->L);
    sw_tensor(w, name, "F32", 2, shape, eh, sizeof eh);
}

bool tiny_write_hf(const tiny_model *m, const char *dir)
{
    mkdir(dir, 0755);
    tiny_tensor tensors[64];
    tiny_model hf = *m;
    hf.split_kv_b = false; /* HF checkpoints hold kv_b_proj */
    uint32_t n = tiny_tensors(&hf, tensors, 64);
    st_writer shards[2];
    sw_init(&shards[0]);
    sw_init(&shards[1]);
    for (uint32_t i = 0; i < n; i++)
        if (!(m->omit_tensor && strcmp(m->omit_tensor, tensors[i].name) == 0))
            write_tensor(m, &shards[m->sharded ? i % 2 : 0], &tensors[i]);
    if (m->v3)
        write_mtp_layer(m, &shards[0]);
    if (m->extra_tensor) {
        float *zeros = calloc(m->D, sizeof *zeros);
        uint64_t shape[1] = {m->D};
        sw_tensor(&shards[0], m->extra_tensor, "F32", 1, shape, zeros, m->D * sizeof *zeros);
        free(zeros);
    }
    char token_path[512];
    snprintf(token_path, sizeof token_path, "%s/tokenizer.json", dir);
    bool ok = write_config(m, dir) && bb_write_file((const uint8_t *)"{}", 2, token_path);
    if (!m->sharded) {
        ok = write_shard(&shards[0], dir, "model.safetensors") && ok;
        return ok;
    }
    ok = write_shard(&shards[0], dir, "model-00001-of-00002.safetensors") && ok;
    ok = write_shard(&shards[1], dir, "model-00002-of-00002.safetensors") && ok;
    char path[512];
    snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
    const char *index = "{\"metadata\": {}, \"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\", "
                        "\"b\": \"model-00002-of-00002.safetensors\"}}";
    return bb_write_file((const uint8_t *)index, strlen(index), path) && ok;
}
