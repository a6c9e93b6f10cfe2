/* Writes, into the directory given as argv[1], the inputs of the `mlavk transmla` tests: a llama GQA GGUF (4 query
 * heads over 2 KV heads of 24), the same model as HF directories (with a Llama 3 style tokenizer.json, with one whose
 * pre-tokenizer has no GGUF name, without tokenizer.json), a DeepSeek GGUF (not GQA), and a llama GGUF with a
 * byte-level tokenizer (every byte a token, no merges; context 64) that calibration text can be tokenized with. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model_writer.h"
#include "model_writer_gqa.h"

/* GPT-2's byte-level alphabet: printable bytes stand for themselves, the others for U+0100 on, in order. */
static void byte_token(uint32_t byte, char *out)
{
    static uint32_t next_extra;
    if (byte == 0)
        next_extra = 0;
    bool printable = (byte >= 33 && byte <= 126) || (byte >= 161 && byte <= 172) || byte >= 174;
    uint32_t cp = printable ? byte : 256 + next_extra++;
    if (cp < 0x80) {
        out[0] = (char)cp, out[1] = 0;
    } else {
        out[0] = (char)(0xc0 | (cp >> 6)), out[1] = (char)(0x80 | (cp & 0x3f)), out[2] = 0;
    }
}

static void random_tensor(gguf_writer *w, test_rng *rng, const char *name, uint32_t n_dims, uint64_t d0,
                          uint64_t d1, float center)
{
    uint64_t dims[2] = {d0, d1}, n = d0 * (n_dims > 1 ? d1 : 1);
    float *v = malloc(n * sizeof *v);
    for (uint64_t i = 0; i < n; i++)
        v[i] = center + (float)test_rng_uniform(rng, -0.3, 0.3);
    gw_tensor(w, name, 0, n_dims, dims, v, n * sizeof *v);
    free(v);
}

static bool write_byte_llama(const char *path)
{
    const uint32_t D = 32, H = 4, KV = 2, d = 8, F = 48, V = 256;
    gguf_writer w;
    gw_init(&w);
    gw_str(&w, "general.architecture", "llama");
    gw_u32(&w, "llama.vocab_size", V);
    gw_u32(&w, "llama.context_length", 64);
    gw_u32(&w, "llama.embedding_length", D);
    gw_u32(&w, "llama.feed_forward_length", F);
    gw_u32(&w, "llama.block_count", 1);
    gw_u32(&w, "llama.attention.head_count", H);
    gw_u32(&w, "llama.attention.head_count_kv", KV);
    gw_u32(&w, "llama.rope.dimension_count", d);
    gw_f32(&w, "llama.rope.freq_base", 10000.0f);
    gw_f32(&w, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
    gw_str(&w, "tokenizer.ggml.model", "gpt2");
    gw_str(&w, "tokenizer.ggml.pre", "llama-bpe");
    gw_key(&w, "tokenizer.ggml.tokens", 9), bb_u32(&w.kv, 8), bb_u64(&w.kv, V);
    for (uint32_t b = 0; b < V; b++) {
        char token[4];
        byte_token(b, token);
        bb_str(&w.kv, token);
    }
    gw_key(&w, "tokenizer.ggml.merges", 9), bb_u32(&w.kv, 8), bb_u64(&w.kv, 0);
    test_rng rng = {3};
    random_tensor(&w, &rng, "token_embd.weight", 2, D, V, 0.0f);
    random_tensor(&w, &rng, "blk.0.attn_norm.weight", 1, D, 1, 1.0f);
    random_tensor(&w, &rng, "blk.0.attn_q.weight", 2, D, H * d, 0.0f);
    random_tensor(&w, &rng, "blk.0.attn_k.weight", 2, D, KV * d, 0.0f);
    random_tensor(&w, &rng, "blk.0.attn_v.weight", 2, D, KV * d, 0.0f);
    random_tensor(&w, &rng, "blk.0.attn_output.weight", 2, H * d, D, 0.0f);
    random_tensor(&w, &rng, "blk.0.ffn_norm.weight", 1, D, 1, 1.0f);
    random_tensor(&w, &rng, "blk.0.ffn_gate.weight", 2, D, F, 0.0f);
    random_tensor(&w, &rng, "blk.0.ffn_up.weight", 2, D, F, 0.0f);
    random_tensor(&w, &rng, "blk.0.ffn_down.weight", 2, F, D, 0.0f);
    random_tensor(&w, &rng, "output_norm.weight", 1, D, 1, 1.0f);
    random_tensor(&w, &rng, "output.weight", 2, D, V, 0.0f);
    byte_buf out = {0};
    gw_finish(&w, &out);
    bool ok = bb_write_file(out.data, out.size, path);
    bb_free(&out);
    return ok;
}

static bool write_text(const char *path, size_t bytes, const char *line)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    for (size_t i = 0; i < bytes; i++)
        fputc(line[i % strlen(line)], f);
    return fclose(f) == 0;
}

static bool write_file_text(const char *dir, const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return bb_write_file((const uint8_t *)text, strlen(text), path);
}

/* A Llama 3 style tokenizer for the 77-token model: two special tokens, a-z, "Ġ" (space), three merges, ".", two
 * non-special added tokens (the second looks special to the converter); ids 35-76 are left for its padding. digits: the Split regex's digit run
 * ("{1,3}" is Llama 3's; anything else names no GGUF pre-tokenizer). */
static bool write_hf_tokenizer(const char *dir, const char *digits)
{
    char vocab[1024] = "\"<|begin_of_text|>\": 0, \"<|end_of_text|>\": 1";
    for (int c = 'a'; c <= 'z'; c++)
        snprintf(vocab + strlen(vocab), sizeof vocab - strlen(vocab), ", \"%c\": %d", c, 2 + c - 'a');
    char json[4096];
    snprintf(json, sizeof json,
             "{\"version\": \"1.0\", \"added_tokens\": ["
             "{\"id\": 0, \"content\": \"<|begin_of_text|>\", \"special\": true},"
             "{\"id\": 1, \"content\": \"<|end_of_text|>\", \"special\": true},"
             "{\"id\": 33, \"content\": \"<user>\", \"special\": false},"
             "{\"id\": 34, \"content\": \"<|eot|>\", \"special\": false}],"
             "\"normalizer\": null, \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": ["
             "{\"type\": \"Split\", \"pattern\": {\"Regex\": "
             "\"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+|\\\\p{N}%s"
             "| ?[^\\\\s\\\\p{L}\\\\p{N}]+[\\\\r\\\\n]*|\\\\s*[\\\\r\\\\n]+|\\\\s+(?!\\\\S)|\\\\s+\"},"
             " \"behavior\": \"Isolated\", \"invert\": false},"
             "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": false}]},"
             "\"post_processor\": null, \"decoder\": {\"type\": \"ByteLevel\"},"
             "\"model\": {\"type\": \"BPE\", \"ignore_merges\": true, \"vocab\": {%s, \"\u0120\": 28,"
             " \"th\": 29, \"the\": 30, \"\u0120the\": 31, \".\": 32},"
             " \"merges\": [\"t h\", \"th e\", \"\u0120 the\"]}}",
             digits, vocab);
    return write_file_text(dir, "tokenizer.json", json) &&
           write_file_text(dir, "tokenizer_config.json",
                           "{\"add_bos_token\": true, \"bos_token\": \"<|begin_of_text|>\", "
                           "\"eos_token\": \"<|end_of_text|>\", "
                           "\"chat_template\": "
                           "\"{{ bos_token }}{% for m in messages %}{{ m['content'] }}{% endfor %}\"}");
}

#define ROMEO "ROMEO: But soft, what light through yonder window breaks?\n"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_transmla_inputs DIR\n");
        return 2;
    }
    mkdir(argv[1], 0755);
    char path[1024];
    gqa_tiny g;
    gqa_tiny_default(&g, false);
    snprintf(path, sizeof path, "%s/llama.gguf", argv[1]);
    int ok = gqa_tiny_write_gguf(&g, path);
    snprintf(path, sizeof path, "%s/llama_hf", argv[1]);
    ok = ok && gqa_tiny_write_hf(&g, path);
    snprintf(path, sizeof path, "%s/llama_hf_tok", argv[1]);
    ok = ok && gqa_tiny_write_hf(&g, path) && write_hf_tokenizer(path, "{1,3}");
    snprintf(path, sizeof path, "%s/llama_hf_other_pre", argv[1]);
    ok = ok && gqa_tiny_write_hf(&g, path) && write_hf_tokenizer(path, "{1,2}");
    snprintf(path, sizeof path, "%s/llama_hf/tokenizer.json", argv[1]);
    ok = ok && unlink(path) == 0;
    tiny_model d;
    tiny_model_default(&d);
    snprintf(path, sizeof path, "%s/deepseek.gguf", argv[1]);
    ok = ok && tiny_write_gguf(&d, path);
    snprintf(path, sizeof path, "%s/llama_bytes.gguf", argv[1]);
    ok = ok && write_byte_llama(path);
    snprintf(path, sizeof path, "%s/calib_short.txt", argv[1]);
    ok = ok && write_text(path, 40, ROMEO);
    snprintf(path, sizeof path, "%s/calib.txt", argv[1]);
    ok = ok && write_text(path, 300, ROMEO);
    snprintf(path, sizeof path, "%s/calib_hf.txt", argv[1]); /* in the words of llama_hf_tok's vocabulary */
    ok = ok && write_text(path, 1200, "the tea heat. ");
    if (!ok)
        fprintf(stderr, "make_transmla_inputs: cannot write into %s\n", argv[1]);
    return ok ? 0 : 1;
}
