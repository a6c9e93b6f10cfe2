/* tokenizer.json and tokenizer_config.json equivalent to the GGUF vocabulary. */
#include "gen_model.h"

/* The pre_tokenizer of DeepSeek-V3's tokenizer.json, verbatim (the data, with \u escapes). */
static const char v3_pre_tokenizer[] =
    "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\",\"pattern\":{\"Regex\":\"\\\\p{N}{1,3}\"},\"behavior\":\"Isolated\",\"invert\":false},{"
    "\"type\":\"Split\",\"pattern\":{\"Regex\":\"[\\u4e00-\\u9fa5\\u3040-\\u309f\\u30a0-\\u30ff]+\"},\"behavior\":\"Isolated\",\"invert\":false},{"
    "\"type\":\"Split\",\"pattern\":{\"Regex\":\"[!\\\"#$%&'()*+,\\\\-./:;<=>?@\\\\[\\\\\\\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\\\p{L}\\\\p{P}\\\\p{S}]?[\\\\p{L}\\\\p{M}]+| ?[\\\\p{P}\\\\p{S}]+[\\r\\n]*|\\\\s*[\\r\\n]+|\\\\s+(?!\\\\S)|\\\\s+\"},\"behavior\":\"Isolated\",\"invert\":false},{"
    "\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":false}]}";

static void byte_level(FILE *f, bool trim_offsets)
{
    fprintf(f, "{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":%s,\"use_regex\":true}",
            trim_offsets ? "true" : "false");
}

static void added_tokens(FILE *f, const gen_vocab *v)
{
    fputs("  \"added_tokens\": [", f);
    bool first = true;
    for (uint32_t i = 0; i < v->n_tokens; i++) {
        if (v->types[i] != 3)
            continue;
        fprintf(f, "%s\n    {\"id\": %u, \"content\": ", first ? "" : ",", i);
        gen_json_string(f, v->tokens[i]);
        fputs(", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, "
              "\"special\": true}", f);
        first = false;
    }
    fputs("\n  ],\n", f);
}

static void bpe_model(FILE *f, const gen_vocab *v)
{
    fputs("  \"model\": {\n    \"type\": \"BPE\", \"dropout\": null, \"unk_token\": null, "
          "\"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null, \"fuse_unk\": false, "
          "\"byte_fallback\": false,\n    \"vocab\": {", f);
    for (uint32_t i = 0; i < v->n_tokens; i++) {
        fputs(i ? ",\n      " : "\n      ", f);
        gen_json_string(f, v->tokens[i]);
        fprintf(f, ": %u", i);
    }
    fputs("\n    },\n    \"merges\": [", f);
    for (uint32_t i = 0; i < v->n_merges; i++) {
        fputs(i ? ",\n      " : "\n      ", f);
        gen_json_string(f, v->merges[i]);
    }
    fputs("\n    ]\n  }\n", f);
}

static void tokenizer_config(const gen_config *cfg, const gen_vocab *v, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tokenizer_config.json", dir);
    FILE *f = gen_open(path);
    fputs("{\n  \"add_bos_token\": true,\n  \"add_eos_token\": false,\n  \"bos_token\": ", f);
    gen_json_string(f, v->tokens[v->bos]);
    fputs(",\n  \"eos_token\": ", f);
    gen_json_string(f, v->tokens[v->eos]);
    fputs(",\n  \"pad_token\": ", f);
    gen_json_string(f, v->tokens[v->eos]);
    fprintf(f, ",\n  \"clean_up_tokenization_spaces\": false,\n  \"legacy\": true,\n"
               "  \"model_max_length\": %u,\n  \"unk_token\": null,\n"
               "  \"tokenizer_class\": \"LlamaTokenizerFast\"\n}\n",
            cfg->ctx);
    gen_close(f, path);
}

void gen_write_hf_tokenizer(const gen_config *cfg, const gen_vocab *v, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tokenizer.json", dir);
    FILE *f = gen_open(path);
    fputs("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n", f);
    added_tokens(f, v);
    fputs("  \"normalizer\": {\"type\": \"Sequence\", \"normalizers\": []},\n  \"pre_tokenizer\": ", f);
    fputs(v3_pre_tokenizer, f);
    fputs(",\n  \"post_processor\": ", f);
    byte_level(f, false);
    fputs(",\n  \"decoder\": ", f);
    byte_level(f, true);
    fputs(",\n", f);
    bpe_model(f, v);
    fputs("}\n", f);
    gen_close(f, path);
    tokenizer_config(cfg, v, dir);
}
