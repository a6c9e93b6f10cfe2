/* Hyperparameters from GGUF keys (with llama.cpp's defaults for absent ones) and from HF config.json files of
 * V2-Lite and V3; the tensor manifest's shapes for V2-Lite. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/deepseek_config.h"
#include "model_writer.h"

static const char v2_lite[] =
    "{\"architectures\": [\"DeepseekV2ForCausalLM\"], \"hidden_size\": 2048, \"num_hidden_layers\": 27,"
    " \"num_attention_heads\": 16, \"q_lora_rank\": null, \"kv_lora_rank\": 512, \"qk_nope_head_dim\": 128,"
    " \"qk_rope_head_dim\": 64, \"v_head_dim\": 128, \"n_routed_experts\": 64, \"num_experts_per_tok\": 6,"
    " \"n_shared_experts\": 2, \"intermediate_size\": 10944, \"moe_intermediate_size\": 1408,"
    " \"first_k_dense_replace\": 1, \"n_group\": 1, \"topk_group\": 1, \"norm_topk_prob\": false,"
    " \"routed_scaling_factor\": 1.0, \"scoring_func\": \"softmax\", \"rms_norm_eps\": 1e-06, \"vocab_size\": 102400,"
    " \"max_position_embeddings\": 163840, \"rope_theta\": 10000, \"bos_token_id\": 100000, \"eos_token_id\": 100001,"
    " \"rope_scaling\": {\"type\": \"yarn\", \"factor\": 40, \"original_max_position_embeddings\": 4096,"
    " \"beta_fast\": 32, \"beta_slow\": 1, \"mscale\": 0.707, \"mscale_all_dim\": 0.707}}";

static const char v3[] =
    "{\"architectures\": [\"DeepseekV3ForCausalLM\"], \"hidden_size\": 7168, \"num_hidden_layers\": 61,"
    " \"num_attention_heads\": 128, \"q_lora_rank\": 1536, \"kv_lora_rank\": 512, \"qk_nope_head_dim\": 128,"
    " \"qk_rope_head_dim\": 64, \"v_head_dim\": 128, \"n_routed_experts\": 256, \"num_experts_per_tok\": 8,"
    " \"n_shared_experts\": 1, \"intermediate_size\": 18432, \"moe_intermediate_size\": 2048,"
    " \"first_k_dense_replace\": 3, \"n_group\": 8, \"topk_group\": 4, \"norm_topk_prob\": true,"
    " \"routed_scaling_factor\": 2.5, \"scoring_func\": \"sigmoid\", \"vocab_size\": 129280,"
    " \"max_position_embeddings\": 163840, \"num_nextn_predict_layers\": 1, \"bos_token_id\": 0, \"eos_token_id\": 1,"
    " \"rope_scaling\": {\"type\": \"yarn\", \"factor\": 40, \"original_max_position_embeddings\": 4096,"
    " \"mscale\": 1.0, \"mscale_all_dim\": 1.0}}";

static void check_json(void)
{
    deepseek_config c;
    CHECK_MSG(deepseek_config_from_json(v2_lite, strlen(v2_lite), "v2.json", &c) == MLAVK_OK, "%s",
              mlavk_last_error());
    CHECK(c.n_embd == 2048 && c.n_layer == 27 && c.n_head == 16 && c.q_lora_rank == 0 && c.kv_lora_rank == 512);
    CHECK(c.n_expert == 64 && c.n_expert_used == 6 && c.n_expert_shared == 2 && c.n_ff_exp == 1408);
    CHECK(c.gating == DEEPSEEK_GATING_SOFTMAX && !c.expert_weights_norm && c.n_vocab == 102400);
    CHECK(c.rope_yarn && c.rope_scaling_factor == 40.0f && c.rope_orig_ctx == 4096 && c.bos_token_id == 100000);
    CHECK(fabsf(c.yarn_log_multiplier - 0.0707f) < 1e-6f);
    CHECK_MSG(deepseek_config_from_json(v3, strlen(v3), "v3.json", &c) == MLAVK_OK, "%s", mlavk_last_error());
    CHECK(c.q_lora_rank == 1536 && c.n_expert == 256 && c.n_group == 8 && c.n_group_used == 4);
    CHECK(c.gating == DEEPSEEK_GATING_SIGMOID && c.expert_weights_norm && c.expert_weights_scale == 2.5f);
    CHECK(c.n_nextn_layers == 1 && c.n_dense_lead == 3 && c.yarn_beta_fast == 32.0f && c.n_layer == 61);
    const char *llama = "{\"architectures\": [\"LlamaForCausalLM\"]}";
    CHECK(deepseek_config_from_json(llama, strlen(llama), "l.json", &c) == MLAVK_ERR_UNSUPPORTED &&
          strcmp(mlavk_last_error(), "l.json: unsupported architecture 'LlamaForCausalLM'") == 0);
    CHECK(deepseek_config_from_json(v3, 40, "cut.json", &c) == MLAVK_ERR_FORMAT &&
          strstr(mlavk_last_error(), "cut.json: invalid JSON near byte"));
    char *no_heads = strdup(v2_lite);
    memcpy(strstr(no_heads, "num_attention_heads"), "num_attention_xxxxx", 19);
    CHECK(deepseek_config_from_json(no_heads, strlen(no_heads), "h.json", &c) == MLAVK_ERR_FORMAT &&
          strstr(mlavk_last_error(), "missing required key 'num_attention_heads'"));
    free(no_heads);
}

static const deepseek_tensor_spec *find(const deepseek_tensor_spec *s, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(s[i].name, name) == 0)
            return &s[i];
    return NULL;
}

static bool dims_are(const deepseek_tensor_spec *s, uint32_t n_dims, uint64_t a, uint64_t b, uint64_t c)
{
    return s && s->n_dims == n_dims && s->dims[0] == a && s->dims[1] == b && (n_dims < 3 || s->dims[2] == c);
}

static void check_manifest(void)
{
    deepseek_config c;
    CHECK(deepseek_config_from_json(v2_lite, strlen(v2_lite), "v2.json", &c) == MLAVK_OK);
    deepseek_tensor_spec *s;
    uint32_t n;
    CHECK(deepseek_manifest(&c, DEEPSEEK_KV_B_LEGACY, &s, &n) == MLAVK_OK);
    CHECK(dims_are(find(s, n, "blk.0.attn_q.weight"), 2, 2048, 3072, 1));
    CHECK(find(s, n, "blk.0.attn_q_a.weight") == NULL);
    CHECK(dims_are(find(s, n, "blk.3.attn_kv_a_mqa.weight"), 2, 2048, 576, 1));
    CHECK(dims_are(find(s, n, "blk.3.attn_kv_b.weight"), 2, 512, 4096, 1));
    CHECK(dims_are(find(s, n, "blk.0.ffn_gate.weight"), 2, 2048, 10944, 1));
    CHECK(find(s, n, "blk.1.ffn_gate.weight") == NULL && find(s, n, "blk.0.ffn_gate_exps.weight") == NULL);
    CHECK(dims_are(find(s, n, "blk.26.ffn_down_exps.weight"), 3, 1408, 2048, 64));
    CHECK(dims_are(find(s, n, "blk.26.ffn_up_shexp.weight"), 2, 2048, 2816, 1));
    CHECK(find(s, n, "blk.26.exp_probs_b.bias") && find(s, n, "blk.26.exp_probs_b.bias")->optional);
    CHECK(dims_are(find(s, n, "output.weight"), 2, 2048, 102400, 1));
    free(s);
    CHECK(deepseek_manifest(&c, DEEPSEEK_KV_B_SPLIT, &s, &n) == MLAVK_OK);
    CHECK(dims_are(find(s, n, "blk.5.attn_k_b.weight"), 3, 128, 512, 16));
    CHECK(dims_are(find(s, n, "blk.5.attn_v_b.weight"), 3, 512, 128, 16));
    CHECK(find(s, n, "blk.5.attn_kv_b.weight") == NULL);
    free(s);
}

static void check_gguf_defaults(void)
{
    gguf_writer w;
    gw_init(&w);
    const char *keys[] = {"context_length", "embedding_length", "block_count", "feed_forward_length",
                          "attention.head_count", "attention.kv_lora_rank", "attention.key_length_mla",
                          "attention.value_length_mla", "rope.dimension_count", "expert_count",
                          "expert_used_count", "expert_feed_forward_length"};
    const uint32_t values[] = {4096, 64, 3, 96, 4, 32, 24, 16, 8, 8, 2, 16};
    gw_str(&w, "general.architecture", "deepseek2");
    for (int i = 0; i < 12; i++) {
        char key[96];
        snprintf(key, sizeof key, "deepseek2.%s", keys[i]);
        gw_u32(&w, key, values[i]);
    }
    gw_key(&w, "tokenizer.ggml.tokens", 9), bb_u32(&w.kv, 8), bb_u64(&w.kv, 1), bb_str(&w.kv, "a");
    byte_buf file;
    gw_finish(&w, &file);
    gguf_file *g;
    deepseek_config c;
    CHECK(gguf_open_memory(file.data, file.size, "d.gguf", &g) == MLAVK_OK);
    CHECK_MSG(deepseek_config_from_gguf(g, &c) == MLAVK_OK, "%s", mlavk_last_error());
    CHECK(c.gating == DEEPSEEK_GATING_SOFTMAX && !c.expert_weights_norm && c.expert_weights_scale == 1.0f);
    CHECK(c.n_group == 1 && c.n_group_used == 1 && c.q_lora_rank == 0 && c.n_expert_shared == 0);
    CHECK(c.n_dense_lead == 0 && c.qk_nope_head_dim == 16 && c.v_head_dim == 16 && c.n_vocab == 1);
    CHECK(!c.rope_yarn && c.rope_freq_base == 10000.0f && c.bos_token_id == -1 && c.n_nextn_layers == 0);
    gguf_close(g);
    bb_free(&file);
}

int main(void)
{
    check_json();
    check_manifest();
    check_gguf_defaults();
    return test_finish("deepseek_config_reads_gguf_and_config_json");
}
