#!/usr/bin/python3
"""Train the built-in default model: BPE tokenizer + tiny DeepSeek-V3-style model on a text corpus; or, with
--arch llama, the small Llama-style GQA model (model_llama.py) that `mlavk transmla` converts, on the same split with
the built-in model's tokenizer.

  python3 tools/train_tiny/train.py CORPUS [--arch deepseek|llama] [--out DIR] [--minutes M] [--steps N] ...

Split: the first 90% of the text (by characters) trains both the tokenizer and the model; the last 10% is validation.
Every training sample starts with BOS, as inference does (add_bos_token = true), followed by ctx-1 corpus tokens.
Validation uses the windowed rule of eval_windows() (also used for tests/golden/tiny_perplexity.json).
The LR schedule is cosine over a wall-clock budget (--minutes) unless --steps is given, so the run ends on time
whatever else is loading the machine. The saved checkpoint is the one with the best validation loss.
"""
import argparse
import json
import math
import os
import sys
import time

# torch.set_num_threads does not reach Debian's OpenBLAS pool; pin every BLAS/OpenMP pool before torch loads so a
# "--threads 1" run really uses one core (the build machine is shared).
if "--threads" not in sys.argv:
    for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_v, "1")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Config, DeepseekTiny  # noqa: E402
from model_llama import LlamaConfig, LlamaTiny  # noqa: E402
from tokenizer import Tokenizer, train_bpe  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BUILTIN_GGUF = os.path.normpath(os.path.join(HERE, "../../models/mlavk-tiny-shakespeare.gguf"))
ARCHS = {"deepseek": (Config, DeepseekTiny), "llama": (LlamaConfig, LlamaTiny)}


def split_text(text):
    cut = int(len(text) * 0.9)
    return text[:cut], text[cut:]


def eval_windows(ids, bos, ctx):
    """Non-overlapping windows of ctx tokens over ids: window j = ids[j*ctx : (j+1)*ctx] (the last may be shorter).
    Input = [BOS] + window[:-1], every token of the window is scored, the first one predicted from BOS alone.
    Returns a list of (input, target) lists."""
    out = []
    for j in range(0, len(ids), ctx):
        w = ids[j:j + ctx]
        out.append(([bos] + w[:-1], w))
    return out


@torch.no_grad()
def eval_nll(model, windows, batch=16):
    """Summed NLL (float64) and token count over the windows; model must already be in eval mode."""
    total, n = 0.0, 0
    full = [w for w in windows if len(w[1]) == len(windows[0][1])]
    rest = [w for w in windows if len(w[1]) != len(windows[0][1])]
    groups = [full[i:i + batch] for i in range(0, len(full), batch)] + [[w] for w in rest]
    for g in groups:
        x = torch.tensor([w[0] for w in g])
        y = torch.tensor([w[1] for w in g])
        logits = model(x)
        nll = F.cross_entropy(logits.double().reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum")
        total += float(nll)
        n += y.numel()
    return total, n


def tokenizer_from_gguf(path):
    """The tokens and merges of a GGUF file's tokenizer (the built-in model's, for the GQA model)."""
    from check_gguf import Reader
    kv = Reader(path).kv
    return Tokenizer(kv["tokenizer.ggml.tokens"], [m.split(" ", 1) for m in kv["tokenizer.ggml.merges"]])


def f16_snap(model):
    """Round every tensor the GGUF export stores as F16 to the nearest F16 value, so the default F16 GGUF holds
    exactly the checkpoint's weights and the golden logits are those of the shipped file."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2 and not name.endswith("gate_weight"):
                p.copy_(p.half().float())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("--arch", choices=sorted(ARCHS), default="deepseek",
                    help="deepseek: the built-in MLA+MoE model (F16-snapped); llama: the GQA model (kept F32)")
    ap.add_argument("--tokenizer", default="",
                    help="take the tokenizer from this GGUF instead of training one (default for --arch llama: "
                         "the built-in model's)")
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--minutes", type=float, default=36.0, help="wall-clock training budget (cosine over it)")
    ap.add_argument("--steps", type=int, default=0, help="fixed step count instead of the time budget")
    ap.add_argument("--vocab", type=int, default=1536)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--ctx", type=int, default=256)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--min-lr-frac", type=float, default=0.05)
    ap.add_argument("--warmup", type=int, default=40)
    ap.add_argument("--wd", type=float, default=0.1)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--gamma", type=float, default=1e-3, help="router bias update speed (aux-loss-free balancing)")
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--config", default="", help="JSON overrides for model Config fields")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    t_start = time.time()

    text = open(args.corpus, encoding="utf-8").read()
    train_text, val_text = split_text(text)
    tok_gguf = args.tokenizer or (BUILTIN_GGUF if args.arch == "llama" else "")
    if tok_gguf:
        tok = tokenizer_from_gguf(tok_gguf)
    else:
        tok = Tokenizer(*train_bpe(train_text, args.vocab, verbose=False))
    merges = tok.merges
    train_ids = torch.tensor(tok.encode(train_text))
    val_ids = tok.encode(val_text)
    print(f"tokenizer: vocab {tok.n_vocab} ({len(merges)} merges) in {time.time() - t_start:.1f}s; "
          f"train {len(train_ids)} tokens, val {len(val_ids)} tokens", flush=True)

    config_cls, model_cls = ARCHS[args.arch]
    cfg = config_cls(vocab_size=tok.n_vocab, max_position_embeddings=args.ctx, dropout=args.dropout,
                     **(json.loads(args.config) if args.config else {}))
    model = model_cls(cfg)
    total, active = model.param_counts()
    print(f"model: {total} parameters ({active} active per token); config {json.dumps(cfg.to_dict())}", flush=True)

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95))
    val_windows = eval_windows(val_ids, tok.bos_id, args.ctx)
    budget = args.minutes * 60.0
    t_train = time.time()
    bos_col = torch.full((args.batch, 1), tok.bos_id, dtype=torch.long)
    best = (float("inf"), None, 0)
    step, ema = 0, None

    def evaluate():
        model.eval()
        s, n = eval_nll(model, val_windows)
        model.train()
        return s / n

    while True:
        elapsed = time.time() - t_train
        progress = step / args.steps if args.steps else elapsed / budget
        if progress >= 1.0:
            break
        warm = min(1.0, (step + 1) / args.warmup)
        frac = args.min_lr_frac + (1 - args.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * progress))
        lr = args.lr * warm * frac
        for g in opt.param_groups:
            g["lr"] = lr
        # BOS + (ctx-1) tokens from a random offset, predicting the next ctx tokens
        off = torch.randint(0, len(train_ids) - args.ctx, (args.batch,))
        seq = torch.stack([train_ids[o:o + args.ctx] for o in off.tolist()])
        x = torch.cat([bos_col, seq[:, :-1]], 1)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), seq.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        model.update_router_bias(args.gamma)
        step += 1
        ema = float(loss) if ema is None else 0.95 * ema + 0.05 * float(loss)
        if step % 10 == 0:
            el = time.time() - t_train
            print(f"step {step} loss {float(loss):.4f} ema {ema:.4f} lr {lr:.2e} {el:.0f}s "
                  f"{el / step:.2f}s/step", flush=True)
        if step % args.eval_every == 0:
            vl = evaluate()
            loads = [m.last_load / m.last_load.sum() for m in model.moe_layers()]
            spread = " ".join(f"{float(l.min()):.3f}-{float(l.max()):.3f}" for l in loads)
            print(f"eval step {step}: train_ema {ema:.4f} val {vl:.4f} (ppl {math.exp(vl):.1f})"
                  + (f"; expert load min-max per MoE layer {spread}" if loads else ""), flush=True)
            if vl < best[0]:
                best = (vl, {k: v.clone() for k, v in model.state_dict().items()}, step)

    train_seconds = time.time() - t_train
    vl = evaluate()
    print(f"end of training: {step} steps in {train_seconds:.0f}s, val {vl:.4f}", flush=True)
    if vl <= best[0]:
        best = (vl, None, step)
    else:
        print(f"keeping the best checkpoint, from step {best[2]} (val {best[0]:.4f})", flush=True)
        model.load_state_dict(best[1])
    model.eval()
    if args.arch == "deepseek":
        f16_snap(model)
    final_val = evaluate()
    model.eval()

    g = torch.Generator().manual_seed(42)
    prompt = [tok.bos_id]
    sample = tok.decode(model.generate(prompt, 300, temperature=0.8, generator=g)[1:])
    ckpt = {
        "arch": args.arch,
        "config": cfg.to_dict(),
        "state_dict": model.state_dict(),
        "tokenizer": tok.to_dict(),
        "f16_snapped": args.arch == "deepseek",
        "train": {
            "corpus": os.path.basename(args.corpus), "steps": step, "kept_step": best[2],
            "batch": args.batch, "ctx": args.ctx, "lr": args.lr, "seed": args.seed, "dropout": args.dropout,
            "train_seconds": round(train_seconds), "total_seconds": round(time.time() - t_start),
            "val_loss": final_val, "val_ppl": math.exp(final_val), "params": total, "active_params": active,
            "threads": args.threads, "sample": sample,
        },
    }
    path = os.path.join(args.out, "ckpt.pt")
    torch.save(ckpt, path)
    print(f"final validation loss {final_val:.4f} (ppl {math.exp(final_val):.2f}); saved {path}")
    print("sample (temperature 0.8, seed 42):\n" + sample, flush=True)


if __name__ == "__main__":
    main()
