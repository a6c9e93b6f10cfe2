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

/* A GGUF of the keys llama.cpp requires (block_count and vocabulary given), plus extra keys from add. */
typedef void (*add_keys_fn)(gguf_writer *w);
static uint32_t base_experts = 8; /* expert_count of the base keys; 0 leaves expert_count and expert_used_count out */

static mlavk_status config_of(uint32_t blocks, uint32_t vocab, add_keys_fn add, deepseek_config *c)
{
    gguf_writer w;
    gw_init(&w);
    const char *keys[] = {"context_length", "embedding_length", "feed_forward_length", "attention.head_count",
                          "attention.kv_lora_rank", "attention.key_length_mla", "attention.value_length_mla",
                          "rope.dimension_count", "expert_count", "expert_used_count", "expert_feed_forward_length",
                          "expert_shared_count"};
    const uint32_t values[] = {4096, 64, 96, 4, 32, 24, 16, 8, 8, 2, 16, 0};
    gw_str(&w, "general.architecture", "deepseek2");
    for (int i = 0; i < 12; i++) {
        char key[96];
        if (base_experts == 0 && strncmp(keys[i], "expert_", 7) == 0 && strstr(keys[i], "count") &&
            strcmp(keys[i], "expert_shared_count") != 0)
            continue;
        snprintf(key, sizeof key, "deepseek2.%s", keys[i]);
        gw_u32(&w, key, values[i]);
    }
    gw_u32(&w, "deepseek2.block_count", blocks);
    gw_f32(&w, "deepseek2.attention.layer_norm_rms_epsilon", 1e-6f);
    if (add)
        add(&w);
    gw_key(&w, "tokenizer.ggml.tokens", 9), bb_u32(&w.kv, 8), bb_u64(&w.kv, vocab);
    for (uint32_t i = 0; i < vocab; i++)
        bb_str(&w.kv, "a");
    byte_buf file;
    gw_finish(&w, &file);
    gguf_file *g;
    mlavk_status status = gguf_open_memory(file.data, file.size, "d.gguf", &g);
    CHECK(status == MLAVK_OK);
    if (status == MLAVK_OK) {
        status = deepseek_config_from_gguf(g, c);
        gguf_close(g);
    }
    bb_free(&file);
    return status;
}

static bool has_note(const deepseek_config *c, const char *text)
{
    for (uint32_t i = 0; i < c->n_notes; i++)
        if (strstr(c->notes[i], text))
            return true;
    return false;
}

static void add_q_lora(gguf_writer *w) { gw_u32(w, "deepseek2.attention.q_lora_rank", 24); }
static void add_q_lora_0(gguf_writer *w) { gw_u32(w, "deepseek2.attention.q_lora_rank", 0); }
static void add_glm(gguf_writer *w)
{
    gw_u32(w, "deepseek2.attention.q_lora_rank", 24);
    gw_u32(w, "deepseek2.vocab_size", 154880);
    gw_u32(w, "deepseek2.nextn_predict_layers", 1);
}
static void add_gating_none(gguf_writer *w)
{
    gw_u32(w, "deepseek2.attention.q_lora_rank", 0);
    gw_u32(w, "deepseek2.expert_gating_func", 0);
    gw_f32(w, "deepseek2.expert_weights_scale", 0.0f);
}
static void add_unknown(gguf_writer *w)
{
    gw_u32(w, "deepseek2.attention.q_lora_rank", 0);
    gw_u32(w, "deepseek2.attention.sliding_window", 128);
}
static void add_temperature(gguf_writer *w)
{
    gw_u32(w, "deepseek2.attention.q_lora_rank", 0);
    gw_f32(w, "deepseek2.attention.temperature_scale", 0.5f);
    gw_u32(w, "deepseek2.attention.temperature_length", 4);
}
static void add_temperature_without_length(gguf_writer *w)
{
    gw_u32(w, "deepseek2.attention.q_lora_rank", 0);
    gw_f32(w, "deepseek2.attention.temperature_scale", 0.5f);
}
static void add_yarn(gguf_writer *w, bool log_mul)
{
    gw_u32(w, "deepseek2.attention.q_lora_rank", 0);
    gw_str(w, "deepseek2.rope.scaling.type", "yarn");
    gw_f32(w, "deepseek2.rope.scaling.factor", 40.0f);
    gw_f32(w, "deepseek2.rope.scaling.yarn_beta_fast", 8.0f);
    if (log_mul)
        gw_f32(w, "deepseek2.rope.scaling.yarn_log_multiplier", 0.0707f);
}
static void add_yarn_log_mul(gguf_writer *w) { add_yarn(w, true); }
static void add_yarn_no_log_mul(gguf_writer *w) { add_yarn(w, false); }
static void add_dense(gguf_writer *w)
{
    gw_u32(w, "deepseek2.attention.q_lora_rank", 0);
    gw_u32(w, "deepseek2.leading_dense_block_count", 3);
}
static void add_no_experts(gguf_writer *w)
{
    gw_u32(w, "deepseek2.attention.q_lora_rank", 0);
    gw_u32(w, "deepseek2.leading_dense_block_count", 2);
}

/* Absent keys take llama.cpp's defaults and inferences (src/models/deepseek2.cpp), and what it refuses mlavk
 * refuses in one line. */
static void check_gguf_rules(void)
{
    deepseek_config c;
    /* 27 blocks (V2-Lite): no q_lora_rank key means attn_q; every other default as llama.cpp has it */
    CHECK_MSG(config_of(27, 1, NULL, &c) == MLAVK_OK, "%s", mlavk_last_error());
    CHECK(c.gating == DEEPSEEK_GATING_SOFTMAX && !c.expert_weights_norm && c.expert_weights_scale == 1.0f);
    CHECK(c.n_group == 1 && c.n_group_used == 1 && c.q_lora_rank == 0 && c.n_expert_shared == 0);
    CHECK(c.n_dense_lead == 0 && c.qk_nope_head_dim == 16 && c.v_head_dim == 16 && c.n_vocab == 1);
    CHECK(!c.rope_yarn && c.rope_freq_base == 10000.0f && c.bos_token_id == -1 && c.n_nextn_layers == 0);
    CHECK(c.n_layer == 27 && c.n_block_count == 27 && c.tied_embeddings && c.attn_temp_scale == 0.0f);
    CHECK(has_note(&c, "q-LoRA: none (inferred") && has_note(&c, "gating: softmax (inferred"));
    CHECK(has_note(&c, "tied embeddings") && strcmp(c.family, "deepseek2 (unrecognised family)") == 0);
    CHECK(config_of(26, 1, NULL, &c) == MLAVK_OK && c.q_lora_rank == 0);
    CHECK(config_of(48, 128256, NULL, &c) == MLAVK_OK && c.q_lora_rank == 0);
    /* other block counts must carry the key (0 is fine), and the V2-Lite counts must not give a rank */
    CHECK(config_of(3, 1, NULL, &c) == MLAVK_ERR_FORMAT &&
          strcmp(mlavk_last_error(), "d.gguf: missing key 'deepseek2.attention.q_lora_rank': llama.cpp infers "
                                     "'no q-LoRA' only for 26 or 27 blocks, or 48 blocks with vocab 128256 (this "
                                     "file: 3 blocks, vocab 1)") == 0);
    CHECK(config_of(48, 1000, NULL, &c) == MLAVK_ERR_FORMAT);
    CHECK(config_of(3, 1, add_q_lora_0, &c) == MLAVK_OK && c.q_lora_rank == 0 && c.n_notes == 2);
    CHECK(config_of(3, 1, add_q_lora, &c) == MLAVK_OK && c.q_lora_rank == 24);
    CHECK(config_of(27, 1, add_q_lora, &c) == MLAVK_ERR_FORMAT &&
          strstr(mlavk_last_error(), "attention.q_lora_rank 24 in a 27-block file: llama.cpp ignores the key"));
    /* expert_gating_func absent: sigmoid for 47 or 48 blocks with vocab 154880 (GLM-4.7-Flash), the MTP block
     * counted; 0 reads as absent; expert_weights_scale 0 means no scaling */
    CHECK_MSG(config_of(48, 5, add_glm, &c) == MLAVK_OK, "%s", mlavk_last_error());
    CHECK(c.gating == DEEPSEEK_GATING_SIGMOID && c.n_layer == 47 && c.n_nextn_layers == 1 && c.n_block_count == 48);
    CHECK(has_note(&c, "gating: sigmoid (inferred") && has_note(&c, "MTP layers: 1 (blk.47)"));
    CHECK(strcmp(c.family, "deepseek2 (unrecognised family)") == 0); /* the token list is not 154880 long */
    CHECK(config_of(47, 5, add_glm, &c) == MLAVK_OK && c.gating == DEEPSEEK_GATING_SIGMOID);
    CHECK(config_of(46, 5, add_glm, &c) == MLAVK_OK && c.gating == DEEPSEEK_GATING_SOFTMAX);
    CHECK(config_of(4, 1, add_gating_none, &c) == MLAVK_OK && c.gating == DEEPSEEK_GATING_SOFTMAX &&
          c.expert_weights_scale == 1.0f && has_note(&c, "expert_weights_scale 0: no scaling"));
    /* a key mlavk does not know is refused */
    CHECK(config_of(4, 1, add_unknown, &c) == MLAVK_ERR_UNSUPPORTED &&
          strcmp(mlavk_last_error(), "d.gguf: key 'deepseek2.attention.sliding_window' is not one mlavk "
                                     "understands (it may change the model's math)") == 0);
    /* attention temperature; a scale needs a length */
    CHECK(config_of(4, 1, add_temperature, &c) == MLAVK_OK && c.attn_temp_scale == 0.5f && c.attn_temp_length == 4);
    CHECK(fabs(deepseek_attn_temperature(&c, 13) - (log(4.0) * 0.5 + 1)) < 1e-12);
    CHECK(deepseek_attn_temperature(&c, 3) == 1.0 && strcmp(c.family, "Mistral Large 3") == 0);
    CHECK(config_of(4, 1, add_temperature_without_length, &c) == MLAVK_ERR_FORMAT &&
          strstr(mlavk_last_error(), "needs a positive attention.temperature_length"));
    /* YaRN: the betas are not read (llama.cpp's deepseek2 keeps 32 and 1); without yarn_log_multiplier both the
     * magnitude and the softmax factor are m = 0.1 ln(40) + 1 */
    CHECK(config_of(4, 1, add_yarn_log_mul, &c) == MLAVK_OK && c.yarn_beta_fast == 32.0f &&
          fabsf(c.yarn_mscale - 0.707f) < 1e-5f && fabsf(c.yarn_mscale_all_dim - 0.707f) < 1e-5f &&
          has_note(&c, "yarn_beta_fast/slow 8/1 ignored"));
    CHECK(config_of(4, 1, add_yarn_no_log_mul, &c) == MLAVK_OK && c.yarn_mscale_all_dim == 1.0f);
    double m = 0.1 * log(40.0) + 1;
    CHECK(fabs((0.1 * c.yarn_mscale * log(40.0) + 1) / m - m) < 1e-6);
    /* every block dense; with no experts every block must be dense (llama.cpp: "n_expert must be > 0") */
    CHECK(config_of(3, 1, add_dense, &c) == MLAVK_OK && c.n_dense_lead == 3 && has_note(&c, "every block dense"));
    base_experts = 0;
    CHECK(config_of(3, 1, add_dense, &c) == MLAVK_OK && c.n_expert == 0 && c.n_dense_lead == 3);
    CHECK(config_of(3, 1, add_no_experts, &c) == MLAVK_ERR_FORMAT &&
          strcmp(mlavk_last_error(), "d.gguf: expert count 0 but block 2 is a MoE block (leading dense blocks 2 of "
                                     "3)") == 0);
    base_experts = 8;
}

int main(void)
{
    check_json();
    check_manifest();
    check_gguf_rules();
    return test_finish("deepseek_config_reads_gguf_and_config_json");
}
