/* mlavk_model_info_load on the tiny model: parameter counts, bytes per tensor type, device bytes and cache sizes by
 * the documented formulas, computed here from the tensor list. */
#include <stdio.h>
#include <string.h>

#include "mlavk.h"
#include "model_writer.h"

static void check(const tiny_model *m, const char *path)
{
    CHECK(tiny_write_gguf(m, path));
    mlavk_model_info info;
    CHECK_MSG(mlavk_model_info_load(path, 1000, &info) == MLAVK_OK, "%s", mlavk_last_error());
    tiny_tensor t[64];
    uint32_t n = tiny_tensors(m, t, 64);
    uint64_t total = 0, active = 0, device = 0, f32_bytes = 0, f32_count = 0, f16_bytes = 0, f16_count = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t count = t[i].dims[0] * t[i].dims[1] * t[i].dims[2];
        bool f32 = t[i].n_dims == 1 || strstr(t[i].name, "gate_inp") || m->weight_type == 0;
        uint64_t bytes = count * (f32 ? 4 : 2);
        *(f32 ? &f32_bytes : &f16_bytes) += bytes;
        *(f32 ? &f32_count : &f16_count) += 1;
        total += count;
        device += (bytes + 255) / 256 * 256;
        if (t[i].expert)
            active += count / m->E * m->k;
        else if (strcmp(t[i].name, "token_embd.weight") != 0)
            active += count;
    }
    /* plus the F32 W_UK copy per layer that the expanded prefill attention reads */
    uint64_t key_expansion = (uint64_t)m->L * (((uint64_t)m->H * m->d_n * m->r_kv * 4 + 255) / 256 * 256);
    device += key_expansion;
    CHECK(info.key_expansion_bytes == key_expansion);
    CHECK(info.tensor_bytes == f32_bytes + f16_bytes && info.n_types == (f16_count ? 2u : 1u));
    for (uint32_t i = 0; i < info.n_types; i++) {
        bool f32 = strcmp(info.types[i].name, "f32") == 0;
        CHECK_MSG(f32 || strcmp(info.types[i].name, "f16") == 0, "type %s", info.types[i].name);
        CHECK(info.types[i].count == (f32 ? f32_count : f16_count));
        CHECK(info.types[i].bytes == (f32 ? f32_bytes : f16_bytes));
        CHECK(info.types[i].bytes == info.types[i].elements * (f32 ? 4 : 2));
    }
    CHECK(info.n_tensors == n && info.params_total == total && info.params_active == active);
    CHECK_MSG(info.weight_device_bytes == device, "device bytes %llu, want %llu",
              (unsigned long long)info.weight_device_bytes, (unsigned long long)device);
    CHECK(info.n_ctx == 1000 && info.kv_bytes_per_token == (uint64_t)m->L * (m->r_kv + m->d_r) * 2);
    CHECK(info.kv_bytes == info.kv_bytes_per_token * 1000);
    CHECK(info.mha_kv_bytes_per_token == (uint64_t)m->L * m->H * (m->d_n + m->d_r + m->d_v) * 2);
    CHECK(info.n_embd == m->D && info.n_expert == m->E && info.q_lora_rank == m->r_q && info.n_vocab == m->vocab);
    CHECK(strcmp(info.kv_b_form, m->split_kv_b ? "attn_k_b + attn_v_b" : "attn_kv_b (split at load)") == 0);
    CHECK(mlavk_model_info_load(path, 0, &info) == MLAVK_OK && info.n_ctx == m->ctx);
    remove(path);
}

int main(void)
{
    tiny_model m;
    tiny_model_default(&m);
    check(&m, "model_info_a.gguf");
    m.split_kv_b = true, m.r_q = 0, m.v3 = true, m.weight_type = 1;
    check(&m, "model_info_b.gguf");
    return test_finish("model_info_counts_parameters_and_memory");
}
