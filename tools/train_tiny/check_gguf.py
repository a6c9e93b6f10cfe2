#!/usr/bin/python3
"""Self-check of an exported GGUF: read it back with a small reader that shares no code with export_gguf.py,
rebuild the PyTorch model from its tensors (joining attn_k_b/attn_v_b back into kv_b_proj), and compare logits.
It also runs each layer's attention in the absorbed form directly from attn_k_b/attn_v_b (as the runtime does) and
requires it to equal the naive form, so the per-head layout itself is checked.

  python3 tools/train_tiny/check_gguf.py FILE [--checkpoint CKPT] [--golden DIR] [--tol 1e-2]

Reference logits: the checkpoint's model (float64) when --checkpoint exists (default tools/train_tiny/out/ckpt.pt),
else the committed tests/golden/tiny_logits.{json,bin}. Also checks the header, alignment, tensor types and shapes,
metadata against the checkpoint config, and that the tokenizer in the file encodes the prompts to the same ids.
Exit status 0 only if everything matches.
"""
import argparse
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Config, DeepseekTiny  # noqa: E402
from tokenizer import Tokenizer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "../.."))

# value type id -> (struct format, size) for the fixed-size scalars
SCALARS = {0: ("<B", 1), 1: ("<b", 1), 2: ("<H", 2), 3: ("<h", 2), 4: ("<I", 4), 5: ("<i", 4), 6: ("<f", 4),
           7: ("<?", 1), 10: ("<Q", 8), 11: ("<q", 8), 12: ("<d", 8)}
GGML_TYPES = {0: (np.float32, "F32"), 1: (np.float16, "F16")}


class Reader:
    def __init__(self, path):
        self.buf = open(path, "rb").read()
        self.pos = 0
        if self.buf[:4] != b"GGUF":
            raise ValueError("not a GGUF file")
        self.pos = 4
        version, n_tensors, n_kv = self.take("<I"), self.take("<Q"), self.take("<Q")
        if version != 3:
            raise ValueError(f"GGUF version {version}, expected 3")
        self.kv = {}
        self.kv_types = {}
        for _ in range(n_kv):
            key = self.string()
            vtype = self.take("<I")
            self.kv_types[key] = vtype
            self.kv[key] = self.value(vtype)
        self.align = self.kv.get("general.alignment", 32)
        infos = []
        for _ in range(n_tensors):
            name = self.string()
            nd = self.take("<I")
            dims = [self.take("<Q") for _ in range(nd)]
            ttype, off = self.take("<I"), self.take("<Q")
            infos.append((name, dims, ttype, off))
        data_start = self.pos + (-self.pos % self.align)
        self.tensors, self.types = {}, {}
        for name, dims, ttype, off in infos:
            if off % self.align:
                raise ValueError(f"{name}: offset {off} not aligned to {self.align}")
            dt, tname = GGML_TYPES[ttype]
            count = int(np.prod(dims))
            start = data_start + off
            arr = np.frombuffer(self.buf, dtype=dt, count=count, offset=start)
            # ggml dims are innermost-first; numpy wants outermost-first
            self.tensors[name] = arr.reshape(list(reversed(dims))).astype(np.float64)
            self.types[name] = (tname, dims)

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.buf, self.pos)[0]
        self.pos += struct.calcsize(fmt)
        return v

    def string(self):
        n = self.take("<Q")
        s = self.buf[self.pos:self.pos + n].decode("utf-8")
        self.pos += n
        return s

    def value(self, vtype):
        if vtype == 8:
            return self.string()
        if vtype == 9:
            etype, n = self.take("<I"), self.take("<Q")
            return [self.value(etype) for _ in range(n)]
        fmt, _ = SCALARS[vtype]
        return self.take(fmt)


def config_from_gguf(r):
    a = lambda k: r.kv["deepseek2." + k]  # noqa: E731
    assert r.kv["general.architecture"] == "deepseek2"
    dr = a("rope.dimension_count")
    rkv = a("attention.kv_lora_rank")
    assert a("attention.head_count_kv") == 1
    assert a("attention.key_length") == rkv + dr and a("attention.value_length") == rkv
    assert a("expert_gating_func") == 2
    return Config(
        vocab_size=len(r.kv["tokenizer.ggml.tokens"]), hidden_size=a("embedding_length"),
        num_hidden_layers=a("block_count"), first_k_dense_replace=a("leading_dense_block_count"),
        num_attention_heads=a("attention.head_count"), q_lora_rank=a("attention.q_lora_rank"),
        kv_lora_rank=rkv, qk_nope_head_dim=a("attention.key_length_mla") - dr, qk_rope_head_dim=dr,
        v_head_dim=a("attention.value_length_mla"), n_routed_experts=a("expert_count"),
        num_experts_per_tok=a("expert_used_count"), n_group=a("expert_group_count"),
        topk_group=a("expert_group_used_count"), n_shared_experts=a("expert_shared_count"),
        moe_intermediate_size=a("expert_feed_forward_length"), intermediate_size=a("feed_forward_length"),
        routed_scaling_factor=a("expert_weights_scale"), norm_topk_prob=bool(a("expert_weights_norm")),
        rms_norm_eps=a("attention.layer_norm_rms_epsilon"), rope_theta=a("rope.freq_base"),
        max_position_embeddings=a("context_length"))


def state_dict_from_gguf(r, c):
    t = r.tensors
    H, dn, dv = c.num_attention_heads, c.qk_nope_head_dim, c.v_head_dim
    sd = {"embed_tokens.weight": t["token_embd.weight"], "norm.weight": t["output_norm.weight"],
          "lm_head.weight": t["output.weight"]}
    for i in range(c.num_hidden_layers):
        b, p = f"blk.{i}.", f"layers.{i}."
        sd[p + "input_layernorm.weight"] = t[b + "attn_norm.weight"]
        sd[p + "self_attn.q_a_proj.weight"] = t[b + "attn_q_a.weight"]
        sd[p + "self_attn.q_a_layernorm.weight"] = t[b + "attn_q_a_norm.weight"]
        sd[p + "self_attn.q_b_proj.weight"] = t[b + "attn_q_b.weight"]
        sd[p + "self_attn.kv_a_proj_with_mqa.weight"] = t[b + "attn_kv_a_mqa.weight"]
        sd[p + "self_attn.kv_a_layernorm.weight"] = t[b + "attn_kv_a_norm.weight"]
        if b + "attn_k_b.weight" in t:
            k_b = t[b + "attn_k_b.weight"]          # [H, r_kv, d_n] = per head W_UK_h^T
            v_b = t[b + "attn_v_b.weight"]          # [H, d_v, r_kv] = per head W_UV_h
            assert k_b.shape == (H, c.kv_lora_rank, dn) and v_b.shape == (H, dv, c.kv_lora_rank)
            kvb = np.concatenate([k_b.transpose(0, 2, 1), v_b], axis=1).reshape(H * (dn + dv), c.kv_lora_rank)
        else:
            kvb = t[b + "attn_kv_b.weight"]
        sd[p + "self_attn.kv_b_proj.weight"] = kvb
        sd[p + "self_attn.o_proj.weight"] = t[b + "attn_output.weight"]
        sd[p + "post_attention_layernorm.weight"] = t[b + "ffn_norm.weight"]
        if i < c.first_k_dense_replace:
            for g, h in (("ffn_gate", "gate_proj"), ("ffn_up", "up_proj"), ("ffn_down", "down_proj")):
                sd[p + f"mlp.{h}.weight"] = t[b + g + ".weight"]
        else:
            sd[p + "mlp.gate_weight"] = t[b + "ffn_gate_inp.weight"]
            sd[p + "mlp.e_score_correction_bias"] = t[b + "exp_probs_b.bias"]
            sd[p + "mlp.experts_gate"] = t[b + "ffn_gate_exps.weight"]
            sd[p + "mlp.experts_up"] = t[b + "ffn_up_exps.weight"]
            sd[p + "mlp.experts_down"] = t[b + "ffn_down_exps.weight"]
            for g, h in (("ffn_gate_shexp", "gate_proj"), ("ffn_up_shexp", "up_proj"),
                         ("ffn_down_shexp", "down_proj")):
                sd[p + f"mlp.shared_experts.{h}.weight"] = t[b + g + ".weight"]
    return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in sd.items()}


def absorbed_attention_gap(r, model, ids):
    """Runs every layer's attention in the absorbed form, straight from the file's attn_k_b / attn_v_b as a runtime
    reads them (q_lat_h = W_UK_h^T q_nope_h, scores against the latent, o_h = W_UV_h o_lat_h), and returns the
    largest difference from the model's naive attention output. Proves the per-head layout, not just a round trip."""
    from model import rope_adjacent
    c = model.config
    H, dn, dr, rkv = c.num_attention_heads, c.qk_nope_head_dim, c.qk_rope_head_dim, c.kv_lora_rank
    worst = 0.0
    x = model.embed_tokens(torch.tensor([ids]))
    T = x.shape[1]
    pos = torch.arange(T)
    for i, layer in enumerate(model.layers):
        att = layer.self_attn
        hn = layer.input_layernorm(x)
        naive = att(hn)[0]
        k_b = torch.from_numpy(r.tensors[f"blk.{i}.attn_k_b.weight"])     # [H, r_kv, d_n]
        v_b = torch.from_numpy(r.tensors[f"blk.{i}.attn_v_b.weight"])     # [H, d_v, r_kv]
        q = att.q_b_proj(att.q_a_layernorm(att.q_a_proj(hn[0]))).view(T, H, dn + dr)
        q_nope, q_pe = q[..., :dn], rope_adjacent(q[..., dn:].transpose(0, 1), pos, c.rope_theta)   # [H, T, dr]
        kv = att.kv_a_proj_with_mqa(hn[0])
        lat, k_pe = att.kv_a_layernorm(kv[:, :rkv]), rope_adjacent(kv[:, rkv:], pos, c.rope_theta)
        q_lat = torch.einsum("hjd,thd->htj", k_b, q_nope)                  # [H, T, r_kv]
        s = (q_lat @ lat.t() + q_pe @ k_pe.t()) * att.scale
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
        o_lat = torch.softmax(s, -1) @ lat                                 # [H, T, r_kv]
        o = torch.einsum("hvj,htj->thv", v_b, o_lat).reshape(T, -1)
        worst = max(worst, float((att.o_proj(o) - naive).abs().max()))
        x = layer(x)
    return worst


def check_types(r, failures):
    f32_file = r.kv.get("general.file_type") == 0
    for name, (tname, dims) in r.types.items():
        want = "F32" if (f32_file or len(dims) == 1 or "ffn_gate_inp" in name) else "F16"
        if tname != want:
            failures.append(f"{name}: type {tname}, expected {want}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("--checkpoint", default=os.path.join(HERE, "out", "ckpt.pt"))
    ap.add_argument("--golden", default=os.path.join(ROOT, "tests", "golden"))
    ap.add_argument("--tol", type=float, default=1e-2)
    args = ap.parse_args()
    torch.set_num_threads(1)
    failures = []

    r = Reader(args.file)
    c = config_from_gguf(r)
    check_types(r, failures)
    model = DeepseekTiny(c)
    model.load_state_dict(state_dict_from_gguf(r, c), strict=True)
    model.double().eval()
    tok = Tokenizer(r.kv["tokenizer.ggml.tokens"], [m.split(" ") for m in r.kv["tokenizer.ggml.merges"]])
    assert r.kv["tokenizer.ggml.bos_token_id"] == tok.bos_id and r.kv["tokenizer.ggml.eos_token_id"] == tok.eos_id
    types = r.kv["tokenizer.ggml.token_type"]
    if [i for i, ty in enumerate(types) if ty == 3] != sorted(tok.special_ids):
        failures.append("control token types do not match the special tokens")
    print(f"{args.file}: {len(r.tensors)} tensors, {len(r.kv)} keys, vocab {c.vocab_size}, "
          f"{sum(v.size for v in r.tensors.values())} parameters")

    if os.path.exists(args.checkpoint):
        ckpt = torch.load(args.checkpoint, map_location="cpu")
        cd = dict(ckpt["config"])
        cd["dropout"] = 0.0
        ref = DeepseekTiny(Config(**cd))
        ref.load_state_dict(ckpt["state_dict"])
        ref.double().eval()
        # the file stores eps as float32, so 1e-6 comes back as 9.99999997e-07
        if abs(cd["rms_norm_eps"] - c.rms_norm_eps) > 1e-6 * cd["rms_norm_eps"]:
            failures.append(f"rms_norm_eps differs: {cd['rms_norm_eps']} vs {c.rms_norm_eps}")
        cd["rms_norm_eps"] = c.rms_norm_eps
        if Config(**cd) != c:
            failures.append(f"config differs: {Config(**cd)} vs {c}")
        if ckpt["tokenizer"]["tokens"] != tok.tokens:
            failures.append("token list differs from the checkpoint")
        from golden import PROMPT_CHAT, PROMPT_SHORT
        texts = [PROMPT_SHORT, PROMPT_CHAT, "KING RICHARD III:\nNow is the winter of our discontent\n" * 5]
        cases = [(tok.encode(s, add_bos=True), None) for s in texts]
        src = f"checkpoint {args.checkpoint}"
    else:
        meta = json.load(open(os.path.join(args.golden, "tiny_logits.json"), encoding="utf-8"))
        blob = open(os.path.join(args.golden, "tiny_logits.bin"), "rb").read()
        cases = []
        for e in meta["prompts"]:
            if tok.encode(e["text"], add_bos=True) != e["ids"]:
                failures.append(f"tokenizer from the GGUF encodes {e['text'][:30]!r} differently")
            ref_logits = np.frombuffer(blob, "<f4", e["n_tokens"] * e["n_vocab"], e["offset"])
            cases.append((e["ids"], ref_logits.reshape(e["n_tokens"], e["n_vocab"])))
        src = f"golden logits in {args.golden}"
        ref = None

    if "blk.0.attn_k_b.weight" in r.tensors:
        with torch.no_grad():
            gap = absorbed_attention_gap(r, model, cases[-1][0])
        print(f"absorbed-form attention from attn_k_b/attn_v_b vs naive: max diff {gap:.3e}")
        if gap > 1e-9:
            failures.append(f"absorbed attention differs from naive by {gap:.3e}")

    worst = 0.0
    with torch.no_grad():
        for ids, want in cases:
            got = model(torch.tensor([ids]))[0].numpy()
            if want is None:
                want = ref(torch.tensor([ids]))[0].numpy()
            diff = float(np.abs(got - want).max())
            worst = max(worst, diff)
            print(f"  {len(ids):4d} tokens: max |logit diff| {diff:.3e}")
    if worst > args.tol:
        failures.append(f"logits differ by {worst:.3e} > {args.tol}")
    print(f"compared against {src}: worst {worst:.3e} (tolerance {args.tol})")
    for f in failures:
        print("FAIL:", f)
    print("OK" if not failures else "FAILED")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
