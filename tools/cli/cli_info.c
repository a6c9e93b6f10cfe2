/* mlavk info MODEL [-c CTX]: what a model is and what running it needs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static double mib(uint64_t bytes) { return (double)bytes / (1024.0 * 1024.0); }

static void print_hyperparameters(const mlavk_model_info *m)
{
    printf("hyperparameters:\n");
    printf("  D (embedding) %u, L (blocks) %u", m->n_embd, m->n_layer);
    if (m->n_nextn_layers)
        printf(" (+%u MTP)", m->n_nextn_layers);
    printf(", H (heads) %u, vocab %u, context length %u\n", m->n_head, m->n_vocab, m->n_ctx_train);
    if (m->q_lora_rank)
        printf("  r_q %u, ", m->q_lora_rank);
    else
        printf("  r_q none (attn_q), ");
    printf("r_kv %u, d_n %u, d_r %u, d_v %u, kv_b as %s\n", m->kv_lora_rank, m->qk_nope_head_dim,
           m->qk_rope_head_dim, m->v_head_dim, m->kv_b_form);
    printf("  E %u, k %u, S %u, F %u, F_e %u, dense blocks %u, groups G %u / G_k %u\n", m->n_expert,
           m->n_expert_used, m->n_expert_shared, m->n_ff, m->n_ff_exp, m->n_dense_lead, m->n_group,
           m->n_group_used);
    printf("  gating %s, weights norm %s, weights scale %g, rms eps %g, MTP layers %u (skipped)\n", m->gating,
           m->expert_weights_norm ? "yes" : "no", m->expert_weights_scale, m->rms_norm_eps, m->n_nextn_layers);
    printf("  output projection: %s", m->tied_embeddings ? "token_embd (tied embeddings)" : "output.weight");
    if (m->attn_temp_scale != 0.0f)
        printf(", attention temperature: scale %g, length %u", m->attn_temp_scale, m->attn_temp_length);
    printf("\n");
    printf("  rope base %g", m->rope_freq_base);
    if (m->rope_yarn)
        printf(", YaRN factor %g, original context %u, beta fast %g slow %g, mscale %g, mscale_all_dim %g",
               m->rope_scaling_factor, m->rope_orig_ctx, m->yarn_beta_fast, m->yarn_beta_slow, m->yarn_mscale,
               m->yarn_mscale_all_dim);
    printf("\n  bos %lld, eos %lld\n", (long long)m->bos_token_id, (long long)m->eos_token_id);
}

static void print_tensors(const mlavk_model_info *m)
{
    printf("tensors: %u, %.2f MiB, %.2f bits per weight", m->n_tensors, mib(m->tensor_bytes),
           m->params_total ? 8.0 * (double)m->tensor_bytes / (double)m->params_total : 0.0);
    if (m->n_fp8_tensors)
        printf(" (%u of them FP8 E4M3 in the file, dequantized to bf16 at load)", m->n_fp8_tensors);
    if (m->n_mtp_tensors)
        printf("; beside them %u MTP tensors (%.2f MiB), skipped", m->n_mtp_tensors, mib(m->mtp_bytes));
    printf("\n  %-8s %8s %14s %10s %12s\n", "type", "tensors", "bytes", "MiB", "bits/weight");
    for (uint32_t i = 0; i < m->n_types; i++)
        printf("  %-8s %8u %14llu %10.2f %12.3f\n", m->types[i].name, m->types[i].count,
               (unsigned long long)m->types[i].bytes, mib(m->types[i].bytes),
               m->types[i].elements ? 8.0 * (double)m->types[i].bytes / (double)m->types[i].elements : 0.0);
    printf("parameters: %llu total (%.3f B), %llu active per token (%.3f B)\n",
           (unsigned long long)m->params_total, m->params_total / 1e9, (unsigned long long)m->params_active,
           m->params_active / 1e9);
    if (m->tied_embeddings)
        printf("  active = all weights except the routed experts, + k/E of those (token_embd, tied, is the output "
               "projection)\n");
    else
        printf("  active = all weights except token_embd (a row lookup) and the routed experts, + k/E of those\n");
}

static void print_memory(const mlavk_model_info *m)
{
    printf("file size: %llu bytes (%.1f MiB)\n", (unsigned long long)m->file_bytes, mib(m->file_bytes));
    printf("device memory for weights: %llu bytes (%.1f MiB; each tensor rounded up to 256 bytes; %.1f MiB of it\n"
           "  F32 copies of W_UK per head for the expanded prefill attention)\n",
           (unsigned long long)m->weight_device_bytes, mib(m->weight_device_bytes), mib(m->key_expansion_bytes));
    printf("latent KV cache (f16): %llu bytes per token = L x (r_kv + d_r) x 2; %llu bytes (%.1f MiB) for %u "
           "tokens\n", (unsigned long long)m->kv_bytes_per_token, (unsigned long long)m->kv_bytes, mib(m->kv_bytes),
           m->n_ctx);
    printf("  an MHA cache of the same shape: %llu bytes per token = L x H x (d_n + d_r + d_v) x 2; %llu bytes "
           "(%.1f MiB); %.1fx the latent cache\n", (unsigned long long)m->mha_kv_bytes_per_token,
           (unsigned long long)m->mha_kv_bytes, mib(m->mha_kv_bytes),
           (double)m->mha_kv_bytes_per_token / (double)m->kv_bytes_per_token);
    printf("decode scratch (f32): %llu bytes (%.1f MiB) = 4 x (2D + r_q + H(d_n+d_r) + r_kv + d_r + 2H r_kv + H d_v "
           "+ H ctx + E + 3 max(F, S F_e, k F_e) + vocab)\n", (unsigned long long)m->scratch_bytes,
           mib(m->scratch_bytes));
}

int cli_info(int argc, char **argv)
{
    const char *path = NULL;
    uint32_t n_ctx = 0;
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--ctx") == 0) && i + 1 < argc) {
            char *end;
            unsigned long value = strtoul(argv[++i], &end, 10);
            if (*end || value == 0 || value > UINT32_MAX) {
                fprintf(stderr, "mlavk info: -c needs a positive token count, not '%s'\n", argv[i]);
                return 2;
            }
            n_ctx = (uint32_t)value;
        } else if (argv[i][0] == '-' || path) {
            fprintf(stderr, "mlavk info: unexpected argument '%s' (usage: mlavk info MODEL [-c CTX])\n", argv[i]);
            return 2;
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        fprintf(stderr, "mlavk info: usage: mlavk info MODEL [-c CTX]\n");
        return 2;
    }
    mlavk_model_info info;
    mlavk_status status = mlavk_model_info_load(path, n_ctx, &info);
    if (status != MLAVK_OK)
        return cli_report(status);
    printf("%s: %s, architecture %s", path, info.format, info.architecture);
    if (info.file_type[0])
        printf(", file type %s", info.file_type);
    printf("\n");
    printf("family: %s (%s)\n", info.family, info.family_evidence);
    if (info.n_notes) {
        printf("rules applied:\n");
        for (uint32_t i = 0; i < info.n_notes; i++)
            printf("  %s\n", info.notes[i]);
    }
    print_hyperparameters(&info);
    print_tensors(&info);
    print_memory(&info);
    return 0;
}
