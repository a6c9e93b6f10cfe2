/* HF checkpoint directories that are wrong in one way each: the loader refuses them with one line naming the file
 * (or directory) and the problem. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/hf_model.h"
#include "formats/model_files.h"
#include "model_writer.h"

#define DIR_NAME "hf_rejects"

static void write_shard(const char *file, st_writer *w)
{
    char path[256];
    byte_buf out;
    snprintf(path, sizeof path, DIR_NAME "/%s", file);
    sw_finish(w, &out);
    CHECK(bb_write_file(out.data, out.size, path));
    bb_free(&out);
}

/* A fresh directory with the tiny model's config.json and no weights. */
static void fresh_dir(void)
{
    tiny_model m;
    tiny_model_default(&m);
    CHECK(tiny_write_hf(&m, DIR_NAME));
    remove(DIR_NAME "/model.safetensors");
}

static void expect(const char *what, const char *message)
{
    hf_model *hf = NULL;
    mlavk_status status = hf_model_open(DIR_NAME, &hf);
    CHECK_MSG(status != MLAVK_OK && hf == NULL, "%s: accepted", what);
    CHECK_MSG(strstr(mlavk_last_error(), DIR_NAME) && strstr(mlavk_last_error(), message) &&
                  !strchr(mlavk_last_error(), '\n'),
              "%s: message '%s' lacks '%s'", what, mlavk_last_error(), message);
    hf_model_close(hf);
}

static void expert_cases(test_rng *rng)
{
    uint8_t bytes[24 * 136 * 2];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (uint8_t)(test_rng_below(rng, 0x70));
    uint64_t shape[2] = {24, 136};
    st_writer w;

    fresh_dir();
    sw_init(&w);
    sw_tensor(&w, "model.layers.1.mlp.experts.9.up_proj.weight", "BF16", 2, shape, bytes, sizeof bytes);
    write_shard("model.safetensors", &w);
    expect("expert out of range", "names expert 9 but config.json has 4 experts");

    sw_init(&w);
    for (int e = 0; e < 3; e++) {
        char name[96];
        snprintf(name, sizeof name, "model.layers.1.mlp.experts.%d.up_proj.weight", e);
        sw_tensor(&w, name, "BF16", 2, shape, bytes, sizeof bytes);
    }
    write_shard("model.safetensors", &w);
    expect("missing expert", "expert 3 of 'blk.1.ffn_up_exps.weight' is missing");

    sw_init(&w);
    sw_tensor(&w, "model.layers.0.self_attn.o_proj.weight", "F8_E4M3", 2, shape, bytes, 24 * 136);
    write_shard("model.safetensors", &w);
    expect("FP8 without scales", "has no 'model.layers.0.self_attn.o_proj.weight_scale_inv'");

    float scales[4] = {1, 1, 1, 1};
    uint64_t wrong[2] = {2, 2};
    sw_init(&w);
    sw_tensor(&w, "model.layers.0.self_attn.o_proj.weight", "F8_E4M3", 2, shape, bytes, 24 * 136);
    sw_tensor(&w, "model.layers.0.self_attn.o_proj.weight_scale_inv", "F32", 2, wrong, scales, sizeof scales);
    write_shard("model.safetensors", &w);
    expect("FP8 scales of the wrong shape", "is not F32 [1, 2]");

    sw_init(&w);
    sw_tensor(&w, "model.norm.weight", "I64", 1, shape, bytes, 24 * 8);
    write_shard("model.safetensors", &w);
    expect("integer weights", "tensor 'model.norm.weight' has dtype I64, which mlavk cannot load");
}

static void shard_cases(void)
{
    st_writer w;
    float norm[136] = {0};
    uint64_t shape[1] = {136};
    fresh_dir();
    expect("no weights", "no .safetensors files in the model directory");

    const char *index = "{\"weight_map\": {\"model.norm.weight\": \"../evil.safetensors\"}}";
    CHECK(bb_write_file((const uint8_t *)index, strlen(index), DIR_NAME "/model.safetensors.index.json"));
    expect("path outside the directory", "weight_map entry is not a .safetensors file name");

    index = "{\"weight_map\": {\"a\": \"a.safetensors\", \"b\": \"b.safetensors\"}}";
    CHECK(bb_write_file((const uint8_t *)index, strlen(index), DIR_NAME "/model.safetensors.index.json"));
    sw_init(&w);
    sw_tensor(&w, "model.norm.weight", "F32", 1, shape, norm, sizeof norm);
    write_shard("a.safetensors", &w);
    expect("missing shard", "b.safetensors: cannot open");
    sw_init(&w);
    sw_tensor(&w, "model.norm.weight", "F32", 1, shape, norm, sizeof norm);
    write_shard("b.safetensors", &w);
    expect("tensor in two shards", "tensor 'output_norm.weight' appears twice");
    remove(DIR_NAME "/a.safetensors");
    remove(DIR_NAME "/b.safetensors");
    remove(DIR_NAME "/model.safetensors.index.json");
}

static void manifest_case(void)
{
    tiny_model m;
    tiny_model_default(&m);
    m.omit_tensor = "blk.1.ffn_gate_shexp.weight";
    CHECK(tiny_write_hf(&m, DIR_NAME));
    model_files *files = NULL;
    CHECK(model_files_open(DIR_NAME, true, &files) == MLAVK_ERR_FORMAT && files == NULL);
    CHECK_MSG(strcmp(mlavk_last_error(), DIR_NAME ": missing tensor 'blk.1.ffn_gate_shexp.weight' (expected shape "
                                         "{136, 24})") == 0, "got '%s'", mlavk_last_error());

    /* config.json and weights disagree: the message names the GGUF and the checkpoint tensor. */
    m.omit_tensor = NULL;
    CHECK(tiny_write_hf(&m, DIR_NAME));
    size_t size;
    char *config = test_read_file(DIR_NAME "/config.json", &size);
    char *at = config ? strstr(config, "\"hidden_size\": 136") : NULL;
    CHECK(at != NULL);
    if (at)
        memcpy(at, "\"hidden_size\": 144", 18);
    CHECK(config && bb_write_file((const uint8_t *)config, size, DIR_NAME "/config.json"));
    free(config);
    CHECK(model_files_open(DIR_NAME, true, &files) == MLAVK_ERR_FORMAT);
    CHECK_MSG(strcmp(mlavk_last_error(), DIR_NAME ": tensor 'token_embd.weight' (model.embed_tokens.weight) has "
                                         "shape {136, 40}, the hyperparameters give {144, 40}") == 0,
              "got '%s'", mlavk_last_error());
}

int main(void)
{
    test_rng rng = {5};
    expert_cases(&rng);
    shard_cases();
    manifest_case();
    return test_finish("hf_loader_rejects_broken_checkpoints");
}
