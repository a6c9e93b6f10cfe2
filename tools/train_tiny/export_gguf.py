#!/usr/bin/python3
"""Export a train.py checkpoint to GGUF v3 with the keys and tensor names that llama.cpp's convert_hf_to_gguf.py
writes (our own writer; no gguf-py needed): architecture deepseek2 for the built-in model (as for DeepSeek-V3), or
llama for a `train.py --arch llama` checkpoint (as for LlamaForCausalLM converted with --outtype f32).

  python3 tools/train_tiny/export_gguf.py CHECKPOINT OUT.gguf [--f32] [--also-legacy-kv-b] [--name NAME]

deepseek2 tensor types: F16 for matrices (2-D and up) except ffn_gate_inp, which stays F32 like the converter keeps it;
F32 for norms and exp_probs_b.bias. --f32 writes everything F32.
MLA: kv_b_proj is split per head into attn_k_b {d_n, r_kv, H} (W_UK_h^T) and attn_v_b {r_kv, d_v, H} (W_UV_h);
--also-legacy-kv-b writes the unsplit attn_kv_b {r_kv, H*(d_n+d_v)} instead (the older file layout).
llama: every tensor F32, the Q/K rows permuted from HF's rotate-half pairs into the adjacent pairs of llama.cpp's
`llama` RoPE (LlamaModel.permute); the built-in model's tokenizer (pre-tokenizer deepseek-v3) and chat template.
"""
import argparse
import struct
import sys

import numpy as np
import torch

GGUF_MAGIC = b"GGUF"
GGUF_VERSION = 3
ALIGN = 32

# gguf value types
T_UINT32, T_INT32, T_FLOAT32, T_BOOL, T_STRING, T_ARRAY = 4, 5, 6, 7, 8, 9
# ggml tensor types
GGML_F32, GGML_F16 = 0, 1

TOKEN_NORMAL, TOKEN_CONTROL = 1, 3

# A V3-style chat template: system prompts first, then <｜User｜>/<｜Assistant｜> turns, assistant turns closed by EOS.
# It contains the three markers llama.cpp uses to recognise the deepseek3 template.
CHAT_TEMPLATE = (
    "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}"
    "{% set ns = namespace(system_prompt='', is_first_sp=true) %}"
    "{%- for message in messages %}{%- if message['role'] == 'system' %}"
    "{%- if ns.is_first_sp %}{% set ns.system_prompt = ns.system_prompt + message['content'] %}"
    "{% set ns.is_first_sp = false %}"
    "{%- else %}{% set ns.system_prompt = ns.system_prompt + '\n\n' + message['content'] %}{%- endif %}"
    "{%- endif %}{%- endfor %}"
    "{{ bos_token }}{{ ns.system_prompt }}"
    "{%- for message in messages %}"
    "{%- if message['role'] == 'user' %}{{ '<｜User｜>' + message['content'] }}{%- endif %}"
    "{%- if message['role'] == 'assistant' %}{{ '<｜Assistant｜>' + message['content'] + '<｜end▁of▁sentence｜>' }}"
    "{%- endif %}"
    "{%- endfor -%}"
    "{% if add_generation_prompt %}{{ '<｜Assistant｜>' }}{% endif %}"
)


class GGUFWriter:
    def __init__(self):
        self.kv = []        # encoded key/value records
        self.tensors = []   # (name, ggml dims innermost-first, ggml type, raw bytes)

    @staticmethod
    def _str(s):
        b = s.encode("utf-8")
        return struct.pack("<Q", len(b)) + b

    def _add(self, key, vtype, payload):
        self.kv.append(self._str(key) + struct.pack("<I", vtype) + payload)

    def u32(self, key, v):
        self._add(key, T_UINT32, struct.pack("<I", int(v)))

    def f32(self, key, v):
        self._add(key, T_FLOAT32, struct.pack("<f", float(v)))

    def bool(self, key, v):
        self._add(key, T_BOOL, struct.pack("<B", 1 if v else 0))

    def str(self, key, v):
        self._add(key, T_STRING, self._str(v))

    def str_array(self, key, items):
        self._add(key, T_ARRAY, struct.pack("<IQ", T_STRING, len(items)) + b"".join(self._str(s) for s in items))

    def i32_array(self, key, items):
        self._add(key, T_ARRAY, struct.pack("<IQ", T_INT32, len(items)) + struct.pack(f"<{len(items)}i", *items))

    def tensor(self, name, arr, f16):
        """arr: numpy array in PyTorch (row-major, outermost-first) shape; ggml dims are that shape reversed."""
        arr = np.ascontiguousarray(arr, dtype=np.float16 if f16 else np.float32)
        self.tensors.append((name, list(reversed(arr.shape)), GGML_F16 if f16 else GGML_F32, arr.tobytes()))

    def write(self, path):
        head = GGUF_MAGIC + struct.pack("<IQQ", GGUF_VERSION, len(self.tensors), len(self.kv)) + b"".join(self.kv)
        infos, offset = [], 0
        for name, dims, ttype, data in self.tensors:
            infos.append(self._str(name) + struct.pack("<I", len(dims)) + struct.pack(f"<{len(dims)}Q", *dims)
                         + struct.pack("<IQ", ttype, offset))
            offset += len(data)
            offset += -offset % ALIGN
        head += b"".join(infos)
        with open(path, "wb") as f:
            f.write(head)
            f.write(b"\0" * (-len(head) % ALIGN))      # tensor data starts aligned
            for _, _, _, data in self.tensors:
                f.write(data)
                f.write(b"\0" * (-len(data) % ALIGN))


def write_tokenizer(w, tok):
    """tokenizer.* keys in the order convert_hf_to_gguf.py's _set_vocab_gpt2 + SpecialVocab write them."""
    tokens, merges, specials = tok["tokens"], tok["merges"], tok["specials"]
    w.str("tokenizer.ggml.model", "gpt2")
    w.str("tokenizer.ggml.pre", "deepseek-v3")
    w.str_array("tokenizer.ggml.tokens", tokens)
    w.i32_array("tokenizer.ggml.token_type", [TOKEN_CONTROL if t in specials else TOKEN_NORMAL for t in tokens])
    w.str_array("tokenizer.ggml.merges", [f"{l} {r}" for l, r in merges])
    w.u32("tokenizer.ggml.bos_token_id", tokens.index(specials[0]))
    w.u32("tokenizer.ggml.eos_token_id", tokens.index(specials[1]))
    w.bool("tokenizer.ggml.add_bos_token", True)
    w.bool("tokenizer.ggml.add_eos_token", False)
    w.str("tokenizer.chat_template", CHAT_TEMPLATE)


def size_label(n_params):
    """gguf-py's model_weight_count_rounded_notation with min_digits 2: 1311872 -> "1.3M"."""
    scale, suffix = next((sc, sf) for sc, sf in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (0.0, "K"))
                         if n_params > sc)
    v = n_params * (1e-3 if suffix == "K" else 1.0 / scale)
    return f"{v:.{max(2 - len(str(round(v)).lstrip('0')), 0)}f}{suffix}"


def permute_rope_rows(w, n_head):
    """convert_hf_to_gguf.py's LlamaModel.permute: within each head, HF rows (i, i + d/2) become rows (2i, 2i+1)."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def export_llama(ckpt, path, name):
    """A llama GGUF as `convert_hf_to_gguf.py --outtype f32` writes it for a LlamaForCausalLM with config.head_dim:
    key order general + TextModel/LlamaModel parameters, quantization version, then the tokenizer."""
    c = ckpt["config"]
    sd = {k: v.detach().to(torch.float32).numpy() for k, v in ckpt["state_dict"].items()}
    H, K = c["num_attention_heads"], c["num_key_value_heads"]
    w = GGUFWriter()
    a = "llama."
    w.str("general.architecture", "llama")
    w.str("general.type", "model")
    w.str("general.name", name)
    w.str("general.size_label", size_label(sum(v.size for v in sd.values())))
    w.u32(a + "block_count", c["num_hidden_layers"])
    w.u32(a + "context_length", c["max_position_embeddings"])
    w.u32(a + "embedding_length", c["hidden_size"])
    w.u32(a + "feed_forward_length", c["intermediate_size"])
    w.u32(a + "attention.head_count", H)
    w.u32(a + "attention.head_count_kv", K)
    w.f32(a + "rope.freq_base", c["rope_theta"])
    w.f32(a + "attention.layer_norm_rms_epsilon", c["rms_norm_eps"])
    w.u32(a + "attention.key_length", c["head_dim"])
    w.u32(a + "attention.value_length", c["head_dim"])
    w.u32("general.file_type", 0)                               # ALL_F32
    w.u32(a + "vocab_size", c["vocab_size"])
    w.u32(a + "rope.dimension_count", c["head_dim"])
    w.u32("general.quantization_version", 2)
    write_tokenizer(w, ckpt["tokenizer"])

    def put(gname, key, n_head_permute=0):
        t = sd[key]
        w.tensor(gname, permute_rope_rows(t, n_head_permute) if n_head_permute else t, False)

    put("token_embd.weight", "embed_tokens.weight")
    for i in range(c["num_hidden_layers"]):
        p, b = f"layers.{i}.", f"blk.{i}."
        put(b + "attn_norm.weight", p + "input_layernorm.weight")
        put(b + "attn_q.weight", p + "self_attn.q_proj.weight", H)
        put(b + "attn_k.weight", p + "self_attn.k_proj.weight", K)
        put(b + "attn_v.weight", p + "self_attn.v_proj.weight")
        put(b + "attn_output.weight", p + "self_attn.o_proj.weight")
        put(b + "ffn_norm.weight", p + "post_attention_layernorm.weight")
        put(b + "ffn_gate.weight", p + "mlp.gate_proj.weight")
        put(b + "ffn_up.weight", p + "mlp.up_proj.weight")
        put(b + "ffn_down.weight", p + "mlp.down_proj.weight")
    put("output_norm.weight", "norm.weight")
    put("output.weight", "lm_head.weight")
    w.write(path)
    return len(w.tensors)


def export(ckpt, path, all_f32=False, legacy_kv_b=False, name="mlavk-tiny-shakespeare"):
    c = ckpt["config"]
    sd = {k: v.detach().to(torch.float32).numpy() for k, v in ckpt["state_dict"].items()}
    tok = ckpt["tokenizer"]
    tokens, merges, specials = tok["tokens"], tok["merges"], tok["specials"]
    H, dn, dr, dv, rkv = (c["num_attention_heads"], c["qk_nope_head_dim"], c["qk_rope_head_dim"], c["v_head_dim"],
                          c["kv_lora_rank"])
    assert len(tokens) == c["vocab_size"]

    w = GGUFWriter()
    a = "deepseek2."
    w.str("general.architecture", "deepseek2")
    w.str("general.name", name)
    w.u32("general.alignment", ALIGN)
    w.u32("general.file_type", 0 if all_f32 else 1)          # ALL_F32 / MOSTLY_F16
    w.u32("general.quantization_version", 2)
    w.u32(a + "context_length", c["max_position_embeddings"])
    w.u32(a + "embedding_length", c["hidden_size"])
    w.u32(a + "block_count", c["num_hidden_layers"])
    w.u32(a + "feed_forward_length", c["intermediate_size"])
    w.u32(a + "attention.head_count", H)
    w.u32(a + "attention.head_count_kv", 1)                   # MLA decode is MQA over the latent
    w.u32(a + "attention.key_length", rkv + dr)
    w.u32(a + "attention.value_length", rkv)
    w.u32(a + "attention.key_length_mla", dn + dr)
    w.u32(a + "attention.value_length_mla", dv)
    w.f32(a + "attention.layer_norm_rms_epsilon", c["rms_norm_eps"])
    w.u32(a + "attention.q_lora_rank", c["q_lora_rank"])
    w.u32(a + "attention.kv_lora_rank", rkv)
    w.u32(a + "rope.dimension_count", dr)
    w.f32(a + "rope.freq_base", c["rope_theta"])
    w.u32(a + "leading_dense_block_count", c["first_k_dense_replace"])
    w.u32(a + "vocab_size", c["vocab_size"])
    w.u32(a + "expert_feed_forward_length", c["moe_intermediate_size"])
    w.u32(a + "expert_count", c["n_routed_experts"])
    w.u32(a + "expert_shared_count", c["n_shared_experts"])
    w.u32(a + "expert_used_count", c["num_experts_per_tok"])
    w.f32(a + "expert_weights_scale", c["routed_scaling_factor"])
    w.bool(a + "expert_weights_norm", c["norm_topk_prob"])
    w.u32(a + "expert_gating_func", 2)                        # sigmoid
    w.u32(a + "expert_group_count", c["n_group"])
    w.u32(a + "expert_group_used_count", c["topk_group"])

    write_tokenizer(w, tok)

    f16 = not all_f32

    def mat(gname, key):
        w.tensor(gname, sd[key], f16)

    def vec(gname, key):
        w.tensor(gname, sd[key], False)

    mat("token_embd.weight", "embed_tokens.weight")
    for i in range(c["num_hidden_layers"]):
        p, b = f"layers.{i}.", f"blk.{i}."
        vec(b + "attn_norm.weight", p + "input_layernorm.weight")
        mat(b + "attn_q_a.weight", p + "self_attn.q_a_proj.weight")
        vec(b + "attn_q_a_norm.weight", p + "self_attn.q_a_layernorm.weight")
        mat(b + "attn_q_b.weight", p + "self_attn.q_b_proj.weight")
        mat(b + "attn_kv_a_mqa.weight", p + "self_attn.kv_a_proj_with_mqa.weight")
        vec(b + "attn_kv_a_norm.weight", p + "self_attn.kv_a_layernorm.weight")
        kvb = sd[p + "self_attn.kv_b_proj.weight"]                    # [H*(dn+dv), rkv]
        if legacy_kv_b:
            w.tensor(b + "attn_kv_b.weight", kvb, f16)                 # ggml {rkv, H*(dn+dv)}
        else:
            per_head = kvb.reshape(H, dn + dv, rkv)
            k_b = per_head[:, :dn, :].transpose(0, 2, 1)               # [H, rkv, dn]: W_UK_h^T -> {dn, rkv, H}
            v_b = per_head[:, dn:, :]                                  # [H, dv, rkv]: W_UV_h   -> {rkv, dv, H}
            w.tensor(b + "attn_k_b.weight", k_b, f16)
            w.tensor(b + "attn_v_b.weight", v_b, f16)
        mat(b + "attn_output.weight", p + "self_attn.o_proj.weight")
        vec(b + "ffn_norm.weight", p + "post_attention_layernorm.weight")
        if i < c["first_k_dense_replace"]:
            mat(b + "ffn_gate.weight", p + "mlp.gate_proj.weight")
            mat(b + "ffn_up.weight", p + "mlp.up_proj.weight")
            mat(b + "ffn_down.weight", p + "mlp.down_proj.weight")
        else:
            vec(b + "ffn_gate_inp.weight", p + "mlp.gate_weight")     # router stays F32
            vec(b + "exp_probs_b.bias", p + "mlp.e_score_correction_bias")
            mat(b + "ffn_gate_exps.weight", p + "mlp.experts_gate")   # [E, Fe, D] -> {D, Fe, E}
            mat(b + "ffn_up_exps.weight", p + "mlp.experts_up")
            mat(b + "ffn_down_exps.weight", p + "mlp.experts_down")   # [E, D, Fe] -> {Fe, D, E}
            mat(b + "ffn_gate_shexp.weight", p + "mlp.shared_experts.gate_proj.weight")
            mat(b + "ffn_up_shexp.weight", p + "mlp.shared_experts.up_proj.weight")
            mat(b + "ffn_down_shexp.weight", p + "mlp.shared_experts.down_proj.weight")
    vec("output_norm.weight", "norm.weight")
    mat("output.weight", "lm_head.weight")
    w.write(path)
    return len(w.tensors)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("out")
    ap.add_argument("--f32", action="store_true", help="write every tensor as F32 (llama files always are)")
    ap.add_argument("--also-legacy-kv-b", action="store_true",
                    help="write attn_kv_b (unsplit) instead of attn_k_b/attn_v_b")
    ap.add_argument("--name", default="", help="general.name (default mlavk-tiny-shakespeare[-gqa])")
    args = ap.parse_args()
    ckpt = torch.load(args.checkpoint, map_location="cpu")
    if ckpt.get("arch", "deepseek") == "llama":
        n = export_llama(ckpt, args.out, args.name or "mlavk-tiny-shakespeare-gqa")
    else:
        n = export(ckpt, args.out, args.f32, args.also_legacy_kv_b, args.name or "mlavk-tiny-shakespeare")
    print(f"wrote {args.out}: {n} tensors", file=sys.stderr)


if __name__ == "__main__":
    main()
