/* mlavk_model_info_load on a model of DeepSeek-V2-Lite's real shapes (a sparse GGUF: metadata and tensor infos,
 * the 8 GiB data section a hole): the cache sizes of shared/docs/deepseek-reference.md, offsets past 4 GiB. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mlavk.h"
#include "model_writer.h"

int main(void)
{
    tiny_model m = {.D = 2048, .L = 27, .H = 16, .r_q = 0, .r_kv = 512, .d_n = 128, .d_r = 64, .d_v = 128,
                    .E = 64, .k = 6, .S = 2, .F = 10944, .F_e = 1408, .n_dense = 1, .vocab = 102400,
                    .ctx = 163840, .seed = 1};
    const char *path = "v2_lite_shapes.gguf";
    CHECK(tiny_write_gguf_sparse(&m, path, 2));
    mlavk_model_info info;
    CHECK_MSG(mlavk_model_info_load(path, 4096, &info) == MLAVK_OK, "%s", mlavk_last_error());
    printf("  params total %llu, active %llu, device bytes %llu\n", (unsigned long long)info.params_total,
           (unsigned long long)info.params_active, (unsigned long long)info.weight_device_bytes);
    /* The reference: 27*576*2 = 31,104 B latent vs 276,480 B MHA per token (8.9x). */
    CHECK(info.kv_bytes_per_token == 31104 && info.mha_kv_bytes_per_token == 276480);
    CHECK(fabs((double)info.mha_kv_bytes_per_token / (double)info.kv_bytes_per_token - 8.9) < 0.05);
    CHECK(info.kv_bytes == 31104ull * 4096);
    /* DeepSeek-V2-Lite's model card: 15.7B parameters, 2.4B activated. */
    CHECK(info.params_total > 15.6e9 && info.params_total < 15.8e9);
    CHECK(info.params_active > 2.35e9 && info.params_active < 2.5e9);
    CHECK(info.file_bytes > (5ull << 30) && info.n_tensors == 3 + 10 + 26 * 14);
    remove(path);
    return test_finish("model_info_matches_the_reference_for_v2_lite_shapes");
}
