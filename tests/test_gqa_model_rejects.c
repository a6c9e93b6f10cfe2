/* GQA models that are wrong in one way each, and models of other architectures: the reader refuses every one
 * with one line naming the file and the problem, and gqa_model_is_gqa tells GQA models from the rest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/gqa_model.h"
#include "model_writer.h"
#include "model_writer_gqa.h"
#include "test_util.h"

#define DIR_NAME "gqa_rejects"

static void expect(const char *path, const char *message)
{
    gqa_model *m = NULL;
    mlavk_status status = gqa_model_open(path, &m);
    const char *error = mlavk_last_error();
    CHECK_MSG(status != MLAVK_OK && m == NULL, "%s: accepted", path);
    CHECK_MSG(strstr(error, path) && strstr(error, message) && !strchr(error, '\n'), "%s: message '%s' lacks '%s'",
              path, error, message);
    gqa_model_free(m);
}

static void gguf_case(const gqa_tiny *w, const char *file, const char *message)
{
    char path[256];
    snprintf(path, sizeof path, DIR_NAME "/%s", file);
    CHECK_MSG(gqa_tiny_write_gguf(w, path), "cannot write %s", path);
    expect(path, message);
}

static void hf_case(const gqa_tiny *w, const char *dir, const char *message)
{
    char path[256];
    snprintf(path, sizeof path, DIR_NAME "/%s", dir);
    CHECK_MSG(gqa_tiny_write_hf(w, path), "cannot write %s", path);
    expect(path, message);
}

static void gguf_cases(void)
{
    gqa_tiny w;
    gqa_tiny_default(&w, false);
    w.arch = "mamba";
    gguf_case(&w, "unknown_arch.gguf", "architecture 'mamba' is not a GQA model the reader takes (llama, qwen2)");
    gqa_tiny_default(&w, false);
    w.omit_tensor = "blk.1.ffn_up.weight";
    gguf_case(&w, "missing_tensor.gguf", "missing tensor 'blk.1.ffn_up.weight' (expected shape [160, 64])");
    gqa_tiny_default(&w, true);
    w.omit_tensor = "blk.1.attn_v.bias";
    gguf_case(&w, "missing_bias.gguf", "missing tensor 'blk.1.attn_v.bias' (expected shape [48])");
    gqa_tiny_default(&w, false);
    w.misshape = "blk.0.attn_k.weight";
    gguf_case(&w, "wrong_shape.gguf", "tensor 'blk.0.attn_k.weight' has shape [49, 64], the hyperparameters give "
              "[48, 64]");
    gqa_tiny_default(&w, false);
    w.H_kv = 3;
    gguf_case(&w, "heads_not_multiple.gguf", "4 query heads are not a multiple of 3 key/value heads");
    gqa_tiny_default(&w, false);
    w.rope_dim = 12;
    gguf_case(&w, "partial_rotary.gguf", "llama.rope.dimension_count 12 is not the head dimension 24 (partial rotary "
              "embeddings are not supported)");
    gqa_tiny_default(&w, true);
    w.rope_scaling = "yarn";
    gguf_case(&w, "rope_yarn.gguf", "qwen2.rope.scaling.type 'yarn' is not supported (only none)");
    gqa_tiny_default(&w, false);
    w.extra_key = "llama.attention.sliding_window";
    gguf_case(&w, "unknown_key.gguf", "key 'llama.attention.sliding_window' is not one the GQA reader understands");
    gqa_tiny_default(&w, false);
    w.extra_tensor = "blk.0.attn_output.bias";
    gguf_case(&w, "unknown_tensor.gguf", "tensor 'blk.0.attn_output.bias' is not part of a llama model with 2 blocks");
    gqa_tiny_default(&w, true);
    w.extra_tensor = "rope_freqs.weight"; /* llama.cpp reads rope_freqs for llama only */
    gguf_case(&w, "qwen2_rope_freqs.gguf", "tensor 'rope_freqs.weight' is not part of a qwen2 model with 2 blocks");

    /* A deepseek2 file, and a llama file cut short. */
    tiny_model ds;
    tiny_model_default(&ds);
    CHECK(tiny_write_gguf(&ds, DIR_NAME "/deepseek2.gguf"));
    expect(DIR_NAME "/deepseek2.gguf", "architecture 'deepseek2' is not a GQA model the reader takes");
    CHECK(!gqa_model_is_gqa(DIR_NAME "/deepseek2.gguf"));
    gqa_tiny_default(&w, false);
    CHECK(gqa_tiny_write_gguf(&w, DIR_NAME "/truncated.gguf"));
    struct stat st;
    CHECK(stat(DIR_NAME "/truncated.gguf", &st) == 0 && truncate(DIR_NAME "/truncated.gguf", st.st_size / 2) == 0);
    expect(DIR_NAME "/truncated.gguf", "runs past the end");
    CHECK(!gqa_model_is_gqa(DIR_NAME "/truncated.gguf"));
    CHECK(!gqa_model_is_gqa(DIR_NAME "/nonexistent.gguf"));
}

static void hf_cases(void)
{
    gqa_tiny w;
    gqa_tiny_default(&w, false);
    w.arch = "MistralForCausalLM";
    hf_case(&w, "unknown_arch", "architecture 'MistralForCausalLM' is not a GQA model the reader takes");
    CHECK(!gqa_model_is_gqa(DIR_NAME "/unknown_arch"));
    gqa_tiny_default(&w, true);
    w.omit_tensor = "blk.0.attn_q.bias";
    hf_case(&w, "missing_bias", "missing tensor 'blk.0.attn_q.bias' (expected shape [96])");
    gqa_tiny_default(&w, false);
    w.misshape = "blk.1.ffn_down.weight";
    hf_case(&w, "wrong_shape", "tensor 'blk.1.ffn_down.weight' has shape [65, 160], the hyperparameters give [64, "
            "160]");
    gqa_tiny_default(&w, false);
    w.H_kv = 3;
    hf_case(&w, "heads_not_multiple", "4 query heads are not a multiple of 3 key/value heads");
    gqa_tiny_default(&w, false);
    w.rope_dim = 12;
    hf_case(&w, "partial_rotary", "partial_rotary_factor 0.5 (partial rotary embeddings are not supported)");
    gqa_tiny_default(&w, false);
    w.rope_scaling = "dynamic";
    hf_case(&w, "rope_dynamic", "rope_scaling type 'dynamic' is not supported (only llama3)");
    gqa_tiny_default(&w, false);
    w.extra_tensor = "model.layers.0.self_attn.q_norm.weight";
    hf_case(&w, "unknown_tensor", "tensor 'model.layers.0.self_attn.q_norm.weight' is not part of a "
            "LlamaForCausalLM");
    gqa_tiny_default(&w, false);
    w.extra_tensor = "blk.0.attn_q.bias";
    hf_case(&w, "llama_bias", "tensor 'model.layers.0.self_attn.q_proj.bias' is not part of this LlamaForCausalLM "
            "with 2 layers (attention_bias is false)");

    tiny_model ds;
    tiny_model_default(&ds);
    CHECK(tiny_write_hf(&ds, DIR_NAME "/deepseek_hf"));
    expect(DIR_NAME "/deepseek_hf", "architecture 'DeepseekV2ForCausalLM' is not a GQA model the reader takes");
    CHECK(!gqa_model_is_gqa(DIR_NAME "/deepseek_hf"));
    mkdir(DIR_NAME "/empty_dir", 0755);
    expect(DIR_NAME "/empty_dir", "no config.json");
}

int main(void)
{
    mkdir(DIR_NAME, 0755);
    gguf_cases();
    hf_cases();
    return test_finish("gqa_reader_refuses_bad_models_with_one_line_errors");
}
