#!/usr/bin/python3
"""Golden outputs of the GQA model (models/mlavk-tiny-shakespeare-gqa.gguf), computed in float64 by PyTorch from the
GGUF file itself, for the tests of `mlavk transmla`.

  python3 tools/train_tiny/golden_gqa.py MODEL.gguf OUT_DIR [--checkpoint CKPT] [--corpus shared/data/tinyshakespeare.txt]
  python3 tools/train_tiny/golden_gqa.py MODEL.gguf --perplexity TEXT   (prints the perplexity of TEXT, writes nothing)

The file's llama-layout Q/K rows are permuted back to HF order (the inverse of LlamaModel.permute) and loaded into
model_llama.LlamaTiny. Before writing anything it checks, for every layer, that the attention scores computed
straight from the file's rows with llama.cpp's adjacent-pair RoPE equal the model's rotate-half scores, so the
export's permutation is proved against llama.cpp's RoPE convention, not just round-tripped; with --checkpoint it
also requires the weights to equal the checkpoint's.

Writes into OUT_DIR (normally tests/golden/):
  gqa_logits.bin        per prompt, the logits of every position as little-endian float32, n_tokens x n_vocab
  gqa_logits.json       the prompts, their ids (BOS first), byte offsets, per-position argmax, and a greedy
                        continuation of each prompt (up to the context) with the smallest top-1/top-2 logit gap
  gqa_perplexity.json   validation-split perplexity at context 256 (the window rule of tiny_perplexity.json)
"""
import argparse
import hashlib
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_gguf import Reader  # noqa: E402
from golden import DEFAULT_CORPUS, PROMPT_CHAT, PROMPT_SHORT, dump_json, long_prompt  # noqa: E402
from model import rope_adjacent  # noqa: E402
from model_llama import LlamaConfig, LlamaTiny, rope_rotate_half  # noqa: E402
from tokenizer import Tokenizer  # noqa: E402
from train import eval_nll, eval_windows, split_text  # noqa: E402

N_GREEDY = 24


def config_from_gguf(r):
    a = lambda k: r.kv["llama." + k]  # noqa: E731
    assert r.kv["general.architecture"] == "llama"
    d = a("attention.key_length")
    assert a("attention.value_length") == d and a("rope.dimension_count") == d
    return LlamaConfig(
        vocab_size=len(r.kv["tokenizer.ggml.tokens"]), hidden_size=a("embedding_length"),
        num_hidden_layers=a("block_count"), num_attention_heads=a("attention.head_count"),
        num_key_value_heads=a("attention.head_count_kv"), head_dim=d, intermediate_size=a("feed_forward_length"),
        rms_norm_eps=a("attention.layer_norm_rms_epsilon"), rope_theta=a("rope.freq_base"),
        max_position_embeddings=a("context_length"))


def unpermute(w, n_head):
    """Inverse of LlamaModel.permute: within each head, rows (2i, 2i+1) go back to HF rows (i, i + d/2)."""
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def state_dict_from_gguf(r, c):
    t = r.tensors
    sd = {"embed_tokens.weight": t["token_embd.weight"], "norm.weight": t["output_norm.weight"],
          "lm_head.weight": t["output.weight"]}
    for i in range(c.num_hidden_layers):
        b, p = f"blk.{i}.", f"layers.{i}."
        sd[p + "input_layernorm.weight"] = t[b + "attn_norm.weight"]
        sd[p + "self_attn.q_proj.weight"] = unpermute(t[b + "attn_q.weight"], c.num_attention_heads)
        sd[p + "self_attn.k_proj.weight"] = unpermute(t[b + "attn_k.weight"], c.num_key_value_heads)
        sd[p + "self_attn.v_proj.weight"] = t[b + "attn_v.weight"]
        sd[p + "self_attn.o_proj.weight"] = t[b + "attn_output.weight"]
        sd[p + "post_attention_layernorm.weight"] = t[b + "ffn_norm.weight"]
        for g, h in (("ffn_gate", "gate_proj"), ("ffn_up", "up_proj"), ("ffn_down", "down_proj")):
            sd[p + f"mlp.{h}.weight"] = t[b + g + ".weight"]
    return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in sd.items()}


@torch.no_grad()
def llama_cpp_rope_gap(r, model, ids):
    """Largest difference, over layers, between attention scores from the file's Q/K rows with llama.cpp's
    adjacent-pair RoPE (rope type NORM, what the `llama` architecture uses) and the model's rotate-half scores."""
    c = model.config
    H, K, d = c.num_attention_heads, c.num_key_value_heads, c.head_dim
    x = model.embed_tokens(torch.tensor([ids]))[0]
    T = x.shape[0]
    pos = torch.arange(T)
    worst = 0.0
    for i, layer in enumerate(model.layers):
        hn = layer.input_layernorm(x)
        att = layer.self_attn
        wq = torch.from_numpy(r.tensors[f"blk.{i}.attn_q.weight"]).double()
        wk = torch.from_numpy(r.tensors[f"blk.{i}.attn_k.weight"]).double()
        q_file = rope_adjacent((hn @ wq.t()).view(T, H, d).transpose(0, 1), pos, c.rope_theta)
        k_file = rope_adjacent((hn @ wk.t()).view(T, K, d).transpose(0, 1), pos, c.rope_theta)
        q_hf = rope_rotate_half(att.q_proj(hn).view(T, H, d).transpose(0, 1), pos, c.rope_theta)
        k_hf = rope_rotate_half(att.k_proj(hn).view(T, K, d).transpose(0, 1), pos, c.rope_theta)
        rep = H // K
        s_file = q_file @ k_file.repeat_interleave(rep, 0).transpose(-1, -2)
        s_hf = q_hf @ k_hf.repeat_interleave(rep, 0).transpose(-1, -2)
        worst = max(worst, float((s_file - s_hf).abs().max()))
        x = layer(x[None])[0]
    return worst


@torch.no_grad()
def greedy(model, ids, n):
    """n greedy tokens after ids (full recompute each step), and the smallest top-1/top-2 logit gap seen."""
    ids, margin = list(ids), float("inf")
    for _ in range(n):
        logits = model(torch.tensor([ids]))[0, -1]
        top = logits.topk(2).values
        margin = min(margin, float(top[0] - top[1]))
        ids.append(int(logits.argmax()))
    return ids[-n:], margin


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("out_dir", nargs="?")
    ap.add_argument("--perplexity", metavar="TEXT", help="only print the perplexity of this text (window rule above)")
    ap.add_argument("--checkpoint", default="")
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    args = ap.parse_args()
    if not args.out_dir and not args.perplexity:
        ap.error("give OUT_DIR or --perplexity TEXT")
    torch.set_num_threads(1)

    r = Reader(args.model)
    c = config_from_gguf(r)
    model = LlamaTiny(c)
    model.load_state_dict(state_dict_from_gguf(r, c), strict=True)
    model.double().eval()
    tok = Tokenizer(r.kv["tokenizer.ggml.tokens"], [m.split(" ", 1) for m in r.kv["tokenizer.ggml.merges"]])
    if args.perplexity:
        ids = tok.encode(open(args.perplexity, encoding="utf-8").read())
        total, n = eval_nll(model, eval_windows(ids, tok.bos_id, c.max_position_embeddings), batch=8)
        print(f"{n} tokens in windows of {c.max_position_embeddings}: mean NLL {total / n:.6f}, "
              f"perplexity {math.exp(total / n):.4f}")
        return
    os.makedirs(args.out_dir, exist_ok=True)
    if args.checkpoint:
        ckpt = torch.load(args.checkpoint, map_location="cpu")
        gap = max(float((v.double() - model.state_dict()[k]).abs().max()) for k, v in ckpt["state_dict"].items())
        if gap != 0.0:
            sys.exit(f"{args.model}: weights differ from {args.checkpoint} by {gap}")
    text = open(args.corpus, encoding="utf-8").read()
    _, val_text = split_text(text)
    ctx = c.max_position_embeddings
    prompts = [PROMPT_SHORT, long_prompt(tok, val_text, ctx), PROMPT_CHAT]
    gap = llama_cpp_rope_gap(r, model, tok.encode(prompts[1], add_bos=True))
    print(f"attention scores from the file's rows with adjacent-pair RoPE vs HF rotate-half: max diff {gap:.3e}")
    if gap > 1e-9:
        sys.exit(f"{args.model}: the Q/K permutation does not match llama.cpp's RoPE (score gap {gap:.3e})")

    entries, blob = [], bytearray()
    with torch.no_grad():
        for p in prompts:
            ids = tok.encode(p, add_bos=True)
            logits = model(torch.tensor([ids]))[0].to(torch.float32).numpy()
            cont, margin = greedy(model, ids, min(N_GREEDY, ctx - len(ids)))
            entries.append({
                "text": p, "ids": ids, "n_tokens": len(ids), "n_vocab": int(logits.shape[1]),
                "offset": len(blob), "bytes": logits.nbytes,
                "argmax": [int(i) for i in logits.argmax(1)],
                "greedy": cont, "greedy_min_margin": margin,
            })
            blob += logits.astype("<f4").tobytes()
    with open(os.path.join(args.out_dir, "gqa_logits.bin"), "wb") as f:
        f.write(blob)
    model_rel = "models/" + os.path.basename(args.model)
    dump_json({
        "model": model_rel,
        "model_sha256": hashlib.sha256(r.buf).hexdigest(),
        "computed_with": "PyTorch float64 from the GGUF's F32 weights (Q/K rows permuted back to HF order), HF Llama "
                         "attention with rotate-half RoPE, stored as float32",
        "format": "little-endian float32; per prompt n_tokens x n_vocab row-major at 'offset' bytes; "
                  "row t = logits for the token after ids[0..t]",
        "greedy": f"{N_GREEDY} tokens (fewer where the context of {ctx} ends first) chosen by argmax after the prompt, "
                  "each step recomputed from the whole sequence; "
                  "greedy_min_margin is the smallest top-1 minus top-2 logit over those steps",
        "bos_token_id": tok.bos_id,
        "prompts": entries,
    }, os.path.join(args.out_dir, "gqa_logits.json"))

    val_ids = tok.encode(val_text)
    windows = eval_windows(val_ids, tok.bos_id, ctx)
    total, n = eval_nll(model, windows, batch=8)
    mean = total / n
    dump_json({
        "model": model_rel,
        "corpus": "shared/data/tinyshakespeare.txt",
        "corpus_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "split": "validation = text[int(len(text) * 0.9):], the split of tiny_perplexity.json",
        "n_val_tokens": len(val_ids),
        "context": ctx,
        "window_rule": "that of tiny_perplexity.json: non-overlapping windows, each read from BOS with an empty cache",
        "n_windows": len(windows),
        "n_tokens_scored": n,
        "mean_nll": mean,
        "perplexity": math.exp(mean),
        "computed_with": "PyTorch float64, natural log",
    }, os.path.join(args.out_dir, "gqa_perplexity.json"))
    print(f"logits for {len(prompts)} prompts ({[e['n_tokens'] for e in entries]} tokens), greedy margins "
          f"{[round(e['greedy_min_margin'], 4) for e in entries]}; val perplexity {math.exp(mean):.4f} "
          f"(mean NLL {mean:.6f} over {n} tokens)")


if __name__ == "__main__":
    main()
