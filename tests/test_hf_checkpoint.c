/* An HF checkpoint directory reads as the same tensors as the equivalent GGUF file: names mapped, [out, in] as
 * {in, out}, experts stacked, FP8 E4M3 blocks dequantized with their scales, MTP layers skipped, shards joined. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/ggml_type.h"
#include "formats/hf_model.h"
#include "formats/model_files.h"
#include "model_writer.h"
#include "util/half.h"

/* Independent of the runtime's decoder: the value table by definition (bias 7, 3 mantissa bits). */
static double e4m3_reference(uint8_t b)
{
    int sign = b >> 7, e = (b >> 3) & 15, m = b & 7;
    double v = e == 0 ? m / 8.0 * pow(2, -6) : (1 + m / 8.0) * pow(2, e - 7);
    return sign ? -v : v;
}

static void check_e4m3(void)
{
    CHECK(fp8_e4m3_to_f32(0x38) == 1.0f && fp8_e4m3_to_f32(0x7e) == 448.0f && fp8_e4m3_to_f32(0xfe) == -448.0f);
    CHECK(fp8_e4m3_to_f32(0x01) == ldexpf(1, -9) && fp8_e4m3_to_f32(0x80) == 0.0f);
    CHECK(isnan(fp8_e4m3_to_f32(0x7f)) && isnan(fp8_e4m3_to_f32(0xff)));
    for (int b = 0; b < 256; b++)
        if ((b & 0x7f) != 0x7f)
            CHECK_MSG(fp8_e4m3_to_f32((uint8_t)b) == (float)e4m3_reference((uint8_t)b), "e4m3 0x%02x", b);
}

/* BF16 checkpoint vs a bf16 GGUF of the same weights: every manifest tensor reads to the same bytes. */
static void check_same_as_gguf(const char *dir, const char *gguf_path)
{
    tiny_model m;
    tiny_model_default(&m);
    m.weight_type = GGML_TYPE_BF16;
    CHECK(tiny_write_hf(&m, dir) && tiny_write_gguf(&m, gguf_path));
    model_files *hf, *gg;
    CHECK_MSG(model_files_open(dir, true, &hf) == MLAVK_OK, "%s", mlavk_last_error());
    CHECK_MSG(model_files_open(gguf_path, true, &gg) == MLAVK_OK, "%s", mlavk_last_error());
    if (!hf || !gg)
        return;
    CHECK(tensor_sources_count(hf->sources) == tensor_sources_count(gg->sources));
    CHECK(hf->tokenizer_json && strstr(hf->tokenizer_json, "tokenizer.json") && !hf->tokenizer_config_json);
    for (uint32_t i = 0; i < tensor_sources_count(gg->sources); i++) {
        const tensor_source *g = tensor_sources_at(gg->sources, i);
        const tensor_source *h = tensor_sources_find(hf->sources, g->name);
        CHECK_MSG(h && h->type == g->type && h->n_bytes == g->n_bytes && h->n_dims == g->n_dims &&
                      memcmp(h->dims, g->dims, sizeof h->dims) == 0, "%s differs", g->name);
        if (!h || h->n_bytes != g->n_bytes)
            continue;
        uint8_t *a = malloc(g->n_bytes), *b = malloc(h->n_bytes);
        CHECK(tensor_source_read(g, a, g->n_bytes) == MLAVK_OK && tensor_source_read(h, b, h->n_bytes) == MLAVK_OK);
        CHECK_MSG(memcmp(a, b, g->n_bytes) == 0, "%s: bytes differ", g->name);
        free(a);
        free(b);
    }
    model_files_close(hf);
    model_files_close(gg);
    remove(gguf_path);
}

static void check_fp8_expert(const hf_model *hf)
{
    const tensor_source *src = tensor_sources_find(hf->sources, "blk.1.ffn_up_exps.weight");
    CHECK(src && src->type == GGML_TYPE_BF16 && src->n_pieces == 4 && src->from_fp8);
    CHECK(src && src->dims[0] == 136 && src->dims[1] == 24 && src->dims[2] == 4);
    if (!src)
        return;
    uint16_t *out = malloc(src->n_bytes);
    CHECK(tensor_source_read(src, out, src->n_bytes) == MLAVK_OK);
    const st_tensor *w = NULL, *scale = NULL;
    for (uint32_t i = 0; i < hf->shards.count; i++) {
        w = w ? w : st_find(hf->shards.files[i], "model.layers.1.mlp.experts.3.up_proj.weight");
        scale = scale ? scale : st_find(hf->shards.files[i], "model.layers.1.mlp.experts.3.up_proj.weight_scale_inv");
    }
    CHECK(w && scale && w->shape[0] == 24 && w->shape[1] == 136 && scale->shape[1] == 2);
    if (w && scale) {
        const uint8_t *bytes = w->data;
        float scales[2];
        memcpy(scales, scale->data, sizeof scales); /* the file does not align F32 data */
        uint64_t bad = 0, base = 3 * 24 * 136;
        for (uint64_t r = 0; r < 24; r++)
            for (uint64_t c = 0; c < 136; c++) {
                float want = (float)(e4m3_reference(bytes[r * 136 + c]) * scales[c / 128]);
                bad += mlavk_bf16_to_f32(out[base + r * 136 + c]) != mlavk_bf16_to_f32(mlavk_f32_to_bf16(want));
            }
        CHECK_MSG(bad == 0, "%llu dequantized values differ", (unsigned long long)bad);
    }
    free(out);
}

static void check_v3_fp8_sharded(const char *dir)
{
    tiny_model m;
    tiny_model_default(&m);
    m.v3 = m.fp8 = m.sharded = true;
    CHECK(tiny_write_hf(&m, dir));
    hf_model *hf;
    CHECK_MSG(hf_model_open(dir, &hf) == MLAVK_OK, "%s", mlavk_last_error());
    if (!hf)
        return;
    CHECK(hf->shards.count == 2 && hf->config.n_nextn_layers == 1 && hf->config.gating == DEEPSEEK_GATING_SIGMOID);
    CHECK(tensor_sources_find(hf->sources, "blk.2.attn_q_a.weight") == NULL);
    CHECK(tensor_sources_find(hf->sources, "blk.1.exp_probs_b.bias") != NULL);
    const tensor_source *kv_b = tensor_sources_find(hf->sources, "blk.0.attn_kv_b.weight");
    CHECK(kv_b && kv_b->dims[0] == 32 && kv_b->dims[1] == 2 * (16 + 12) && kv_b->from_fp8);
    deepseek_kv_b_form form;
    CHECK_MSG(tensor_sources_check_manifest(hf->sources, &hf->config, dir, &form) == MLAVK_OK, "%s",
              mlavk_last_error());
    CHECK(form == DEEPSEEK_KV_B_LEGACY);
    check_fp8_expert(hf);
    hf_model_close(hf);
}

int main(void)
{
    check_e4m3();
    check_same_as_gguf("hf_checkpoint_bf16", "hf_checkpoint_bf16.gguf");
    check_v3_fp8_sharded("hf_checkpoint_fp8");
    return test_finish("hf_checkpoint_maps_stacks_and_dequantizes");
}
