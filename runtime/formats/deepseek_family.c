/* Which model family a deepseek2 file is, and which metadata keys mlavk understands. */
#include <stdio.h>
#include <string.h>

#include "formats/deepseek_config.h"
#include "util/status.h"

#define ARCH "deepseek2"

/* Every "deepseek2." key that llama.cpp's deepseek2 loader reads (llama-model.cpp load_hparams and
 * src/models/deepseek2.cpp) or that its converters write for the family. Keys read but without effect there
 * (head_count_kv, vocab_size beside the token list, rope.scaling.finetuned, the YaRN betas and ext/attn
 * factors) are known too: mlavk reads them the way llama.cpp does. */
static const char *const known_keys[] = {
    "context_length", "embedding_length", "block_count", "feed_forward_length", "vocab_size",
    "leading_dense_block_count", "nextn_predict_layers",
    "attention.head_count", "attention.head_count_kv", "attention.key_length", "attention.value_length",
    "attention.key_length_mla", "attention.value_length_mla", "attention.layer_norm_rms_epsilon",
    "attention.q_lora_rank", "attention.kv_lora_rank", "attention.temperature_scale",
    "attention.temperature_length",
    "rope.dimension_count", "rope.freq_base", "rope.scaling.type", "rope.scaling.factor",
    "rope.scaling.original_context_length", "rope.scaling.yarn_log_multiplier", "rope.scaling.yarn_beta_fast",
    "rope.scaling.yarn_beta_slow", "rope.scaling.yarn_ext_factor", "rope.scaling.yarn_attn_factor",
    "rope.scaling.finetuned", "rope.scaling.attn_factor",
    "expert_count", "expert_used_count", "expert_shared_count", "expert_feed_forward_length",
    "expert_weights_scale", "expert_weights_norm", "expert_gating_func", "expert_group_count",
    "expert_group_used_count",
};

mlavk_status deepseek_check_gguf_keys(const gguf_file *g)
{
    const size_t prefix = strlen(ARCH ".");
    for (uint64_t i = 0; i < gguf_kv_count(g); i++) {
        const char *key = gguf_kv_at(g, i)->key;
        if (strncmp(key, ARCH ".", prefix) != 0)
            continue;
        bool known = false;
        for (size_t k = 0; k < sizeof known_keys / sizeof known_keys[0] && !known; k++)
            known = strcmp(key + prefix, known_keys[k]) == 0;
        if (!known) /* keys are single-line printable text (gguf.c checks) */
            return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: key '%.96s' is not one mlavk understands (it may change "
                              "the model's math)", gguf_name(g), key);
    }
    return MLAVK_OK;
}

static void set_family(deepseek_config *c, const char *family, const char *evidence)
{
    snprintf(c->family, sizeof c->family, "%s", family);
    snprintf(c->family_evidence, sizeof c->family_evidence, "%s", evidence);
}

/* tokenizer.ggml.pre of the deepseek2 files in the wild (llama.cpp's src/llama-vocab.cpp). The DeepSeek ones come
 * last: other families may ship DeepSeek's tokenizer. */
static const struct {
    const char *pre, *family;
} family_pres[] = {
    {"kimi-k2", "Kimi K2/Moonlight"}, {"glm4", "GLM-4.7-Flash"}, {"tekken", "Mistral Large 3"},
    {"gigachat", "GigaChat3"},        {"kanana2", "Kanana-2"},   {"youtu", "Youtu-LLM"},
};

static char lower(char ch) { return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch; }

static bool name_contains(const gguf_file *g, const char *needle)
{
    gguf_string name;
    if (!gguf_find(g, "general.name") || gguf_get_string(g, "general.name", &name) != MLAVK_OK)
        return false;
    size_t n = strlen(needle);
    for (uint64_t i = 0; i + n <= name.len; i++) {
        size_t k = 0;
        while (k < n && lower(name.data[i + k]) == lower(needle[k]))
            k++;
        if (k == n)
            return true;
    }
    return false;
}

static bool pre_is(const gguf_file *g, const char *pre)
{
    const gguf_value *v = gguf_find(g, "tokenizer.ggml.pre");
    return v && v->type == GGUF_TYPE_STRING && gguf_string_equals(v->as.str, pre);
}

/* In order: a family's own pre-tokenizer, general.name, llama.cpp's shape rules, DeepSeek's pre-tokenizers. */
void deepseek_family_from_gguf(const gguf_file *g, deepseek_config *c)
{
    char evidence[96];
    for (size_t i = 0; i < sizeof family_pres / sizeof family_pres[0]; i++) {
        if (!pre_is(g, family_pres[i].pre))
            continue;
        snprintf(evidence, sizeof evidence, "tokenizer.ggml.pre '%s'", family_pres[i].pre);
        const char *family = family_pres[i].family;
        if (strcmp(family_pres[i].pre, "kimi-k2") == 0 && name_contains(g, "moonlight"))
            family = "Moonlight";
        else if (strcmp(family_pres[i].pre, "kimi-k2") == 0 && name_contains(g, "kimi"))
            family = "Kimi K2";
        set_family(c, family, evidence);
        return;
    }
    static const struct {
        const char *needle, *family;
    } names[] = {{"TransMLA", "TransMLA (MLA form of a GQA model)"},
                 {"GLM-4.7-Flash", "GLM-4.7-Flash"}, {"Mistral-Large-3", "Mistral Large 3"},
                 {"Mistral Large 3", "Mistral Large 3"}, {"Kimi-K2", "Kimi K2"}, {"Moonlight", "Moonlight"},
                 {"GigaChat3", "GigaChat3"}, {"Kanana-2", "Kanana-2"}, {"Youtu-LLM", "Youtu-LLM"},
                 {"DeepSeek-V2-Lite", "DeepSeek V2-Lite"}, {"DeepSeek-V3", "DeepSeek V3"},
                 {"DeepSeek-R1", "DeepSeek V3"}, {"DeepSeek-V2", "DeepSeek V2"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (name_contains(g, names[i].needle)) {
            snprintf(evidence, sizeof evidence, "general.name contains '%s'", names[i].needle);
            set_family(c, names[i].family, evidence);
            return;
        }
    if ((c->n_block_count == 47 || c->n_block_count == 48) && c->n_vocab == 154880)
        set_family(c, "GLM-4.7-Flash", "48 or 47 blocks with vocab 154880, llama.cpp's rule");
    else if (c->attn_temp_scale != 0.0f)
        set_family(c, "Mistral Large 3", "attention.temperature_* keys");
    else if (pre_is(g, "deepseek-v3"))
        set_family(c, "DeepSeek V3", "tokenizer.ggml.pre 'deepseek-v3'");
    else if (pre_is(g, "deepseek-llm"))
        set_family(c, c->q_lora_rank ? "DeepSeek V2" : "DeepSeek V2-Lite", "tokenizer.ggml.pre 'deepseek-llm'");
    else
        set_family(c, "deepseek2 (unrecognised family)", "no known tokenizer.ggml.pre, name or shape");
}

void deepseek_family_from_hf(deepseek_config *c)
{
    if (c->n_vocab == 163840)
        set_family(c, "Kimi K2/Moonlight", "DeepseekV3 architecture with vocab 163840");
    else if (strcmp(c->architecture, "DeepseekV3ForCausalLM") == 0)
        set_family(c, "DeepSeek V3", "architectures DeepseekV3ForCausalLM");
    else if (c->q_lora_rank)
        set_family(c, "DeepSeek V2", "architectures DeepseekV2ForCausalLM with q-LoRA");
    else
        set_family(c, "DeepSeek V2-Lite", "architectures DeepseekV2ForCausalLM without q-LoRA");
}
