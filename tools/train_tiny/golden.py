#!/usr/bin/python3
"""Golden reference outputs of the default model for the runtime's tests, computed in float64 by PyTorch.

  python3 tools/train_tiny/golden.py CHECKPOINT OUT_DIR [--corpus shared/data/tinyshakespeare.txt]

Writes into OUT_DIR (normally tests/golden/):
  tiny_logits.bin         per prompt, the logits of every position as little-endian float32, n_tokens x n_vocab,
                          row-major (row t = logits after reading ids[0..t]); prompts stored back to back
  tiny_logits.json        the prompts, their ids (BOS first), shapes and byte offsets into tiny_logits.bin
  tiny_perplexity.json    validation-split perplexity at context 256, with the exact window rule

The checkpoint's matrices are already rounded to F16 by train.py, so these are exactly the logits of the F16 GGUF.
"""
import argparse
import hashlib
import json
import math
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Config, DeepseekTiny  # noqa: E402
from tokenizer import Tokenizer  # noqa: E402
from train import eval_nll, eval_windows, split_text  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.normpath(os.path.join(HERE, "../../../shared/data/tinyshakespeare.txt"))

PROMPT_SHORT = "ROMEO:\nBut soft, what light through yonder window breaks?"
PROMPT_CHAT = "<｜User｜>Speak, 1471 times: what say'st thou, good Kate?<｜Assistant｜>"


def load_model(path, dtype=torch.float64):
    ckpt = torch.load(path, map_location="cpu")
    cfg = dict(ckpt["config"])
    cfg["dropout"] = 0.0
    model = DeepseekTiny(Config(**cfg))
    model.load_state_dict(ckpt["state_dict"])
    model.to(dtype).eval()
    return model, Tokenizer.from_dict(ckpt["tokenizer"]), ckpt


def long_prompt(tok, val_text, ctx):
    """Whole lines of the validation text, from its first blank-line-separated speech on, as many as fit the context
    with BOS: exercises RoPE and attention at nearly every position up to ctx-1."""
    lines = val_text[val_text.index("\n\n") + 2:].split("\n")
    best = ""
    for n in range(1, len(lines)):
        cand = "\n".join(lines[:n]) + "\n"
        if len(tok.encode(cand)) + 1 > ctx:
            break
        best = cand
    return best


def routing_margins(model, ids):
    """Smallest gaps, over all positions and MoE layers, that decide routing: between the last kept and first dropped
    group score, and between the k-th and (k+1)-th biased expert score inside the kept groups. A runtime computing in
    lower precision can route differently only where such a gap is below its rounding error."""
    c = model.config
    E, G, k = c.n_routed_experts, c.n_group, c.num_experts_per_tok
    seen = []
    hooks = [m.register_forward_pre_hook(lambda mod, inp: seen.append((mod, inp[0].detach()))) for m in
             model.moe_layers()]
    with torch.no_grad():
        model(torch.tensor([ids]))
        for h in hooks:
            h.remove()
        g_gap, e_gap = float("inf"), float("inf")
        for mod, x in seen:
            x = x.reshape(-1, x.shape[-1])
            s_sel = torch.sigmoid(x @ mod.gate_weight.t()) + mod.e_score_correction_bias
            if G > 1:
                grp = s_sel.view(-1, G, E // G).topk(2, dim=-1).values.sum(-1).sort(-1, descending=True).values
                g_gap = min(g_gap, float((grp[:, c.topk_group - 1] - grp[:, c.topk_group]).min()))
                keep = s_sel.view(-1, G, E // G).topk(2, dim=-1).values.sum(-1).topk(c.topk_group, -1).indices
                gmask = torch.zeros(x.shape[0], G, dtype=torch.bool).scatter_(1, keep, True)
                s_sel = s_sel.masked_fill(~gmask[:, :, None].expand(-1, G, E // G).reshape(-1, E), float("-inf"))
            top = s_sel.topk(k + 1, dim=-1).values
            e_gap = min(e_gap, float((top[:, k - 1] - top[:, k]).min()))
    return {"group_score_gap": g_gap, "expert_score_gap": e_gap}


def dump_json(obj, path):
    """Indented JSON with number lists kept on one line, so the id lists stay readable."""
    text = json.dumps(obj, ensure_ascii=False, indent=1)
    text = re.sub(r"\[\s*(-?\d+(?:,\s*-?\d+)*)\s*\]", lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]", text)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("out_dir")
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    args = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out_dir, exist_ok=True)

    model, tok, ckpt = load_model(args.checkpoint)
    ctx = model.config.max_position_embeddings
    text = open(args.corpus, encoding="utf-8").read()
    _, val_text = split_text(text)

    prompts = [PROMPT_SHORT, long_prompt(tok, val_text, ctx), PROMPT_CHAT]
    entries, blob = [], bytearray()
    with torch.no_grad():
        for p in prompts:
            ids = tok.encode(p, add_bos=True)
            logits = model(torch.tensor([ids]))[0].to(torch.float32).numpy()
            entries.append({
                "text": p, "ids": ids, "n_tokens": len(ids), "n_vocab": int(logits.shape[1]),
                "offset": len(blob), "bytes": logits.nbytes,
                "argmax": [int(i) for i in logits.argmax(1)],
                "routing_min_margin": routing_margins(model, ids),
            })
            blob += logits.astype("<f4").tobytes()
    with open(os.path.join(args.out_dir, "tiny_logits.bin"), "wb") as f:
        f.write(blob)
    meta = {
        "model": "models/mlavk-tiny-shakespeare.gguf",
        "computed_with": "PyTorch float64 from the F16-rounded checkpoint (identical to the F16 GGUF weights), "
                         "naive MLA form, stored as float32",
        "format": "little-endian float32; per prompt n_tokens x n_vocab row-major at 'offset' bytes; "
                  "row t = logits for the token after ids[0..t]",
        "bos_token_id": tok.bos_id,
        "prompts": entries,
    }
    dump_json(meta, os.path.join(args.out_dir, "tiny_logits.json"))

    val_ids = tok.encode(val_text)
    windows = eval_windows(val_ids, tok.bos_id, ctx)
    total, n = eval_nll(model, windows, batch=8)
    mean = total / n
    ppl = {
        "model": "models/mlavk-tiny-shakespeare.gguf",
        "corpus": "shared/data/tinyshakespeare.txt",
        "corpus_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "split": "validation = text[int(len(text) * 0.9):] counted in Unicode characters (the file is ASCII, so "
                 f"bytes too): characters {len(text) - len(val_text)} to {len(text)}",
        "tokenization": "the validation text encoded as one string, no BOS",
        "n_val_tokens": len(val_ids),
        "first_ids": val_ids[:16],
        "last_ids": val_ids[-16:],
        "context": ctx,
        "window_rule": f"non-overlapping windows of {ctx} tokens: window j = val_ids[{ctx}*j : {ctx}*(j+1)] (the last "
                       f"window is shorter). Each window starts with a fresh (empty) cache; the model reads "
                       f"[BOS] + window[:-1] ({ctx} positions at most) and every token of the window is scored, "
                       "window[0] predicted from BOS alone, window[i] from BOS + window[:i]",
        "n_windows": len(windows),
        "last_window_tokens": len(windows[-1][1]),
        "n_tokens_scored": n,
        "mean_nll": mean,
        "perplexity": math.exp(mean),
        "computed_with": "PyTorch float64, natural log",
    }
    dump_json(ppl, os.path.join(args.out_dir, "tiny_perplexity.json"))
    print(f"logits for {len(prompts)} prompts ({[e['n_tokens'] for e in entries]} tokens); "
          f"val perplexity {math.exp(mean):.4f} (mean NLL {mean:.6f} over {n} tokens, {len(windows)} windows)")


if __name__ == "__main__":
    main()
