#!/usr/bin/env python3
"""Writes tests/golden/tokenizer_families.json: llama.cpp's token ids, and its pre-tokenizer pieces, for every
string of tests/data/tokenizer_corpus.json and tests/data/tokenizer_families_corpus.json, once per GGUF
pre-tokenizer name.

    python3 tools/tokenizer_golden/make_family_golden.py IDS_PROGRAM SPLIT_PROGRAM GGUF_DIR

GGUF_DIR holds <pre>.gguf for each name: the vocabulary-only files that the test
gguf_pre_tokenizers_match_llama_cpp_for_every_family writes (build/tests/tokenizer_families). The two programs are
linked against llama.cpp (not part of mlavk; tests/golden/README.md describes them) and read STRINGS.bin, each
string as a little-endian uint32 byte length and its bytes:
  IDS_PROGRAM FILE.gguf STRINGS.bin   one line per string: the ids separated by commas
  SPLIT_PROGRAM PRE STRINGS.bin       one line per string: a JSON array of the pieces, in the byte-level alphabet
Either prints "ERROR <what>" for a string on which llama.cpp throws (recorded here as null)."""
import json
import os
import struct
import subprocess
import sys
import tempfile

FAMILIES = ["deepseek-llm", "deepseek-v3", "youtu", "glm4", "kimi-k2", "tekken", "gigachat", "kanana2", "default"]
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
CORPORA = ["tests/data/tokenizer_corpus.json", "tests/data/tokenizer_families_corpus.json"]
OUT = "tests/golden/tokenizer_families.json"


def entry_bytes(entry):
    return entry["text"].encode("utf-8") if "text" in entry else bytes.fromhex(entry["hex"])


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    program, split_program, gguf_dir = sys.argv[1], sys.argv[2], sys.argv[3]
    strings = []
    for corpus in CORPORA:
        with open(os.path.join(ROOT, corpus), encoding="utf-8") as f:
            strings += [{k: e[k] for k in ("text", "hex") if k in e} for e in json.load(f)["strings"]]
    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
        for entry in strings:
            data = entry_bytes(entry)
            f.write(struct.pack("<I", len(data)) + data)
        strings_bin = f.name
    def run(args):
        out = subprocess.run(args, capture_output=True, text=True, encoding="utf-8", check=True)
        lines = out.stdout.split("\n")[:-1]
        if len(lines) != len(strings):
            sys.exit(f"{args}: {len(lines)} lines for {len(strings)} strings\n{out.stderr}")
        return lines

    ids, pieces = {}, {}
    try:
        for pre in FAMILIES:
            lines = run([program, os.path.join(gguf_dir, pre + ".gguf"), strings_bin])
            ids[pre] = [None if line.startswith("ERROR") else [int(x) for x in line.split(",") if x] for line in lines]
            lines = run([split_program, pre, strings_bin])
            pieces[pre] = [None if line.startswith("ERROR") else json.loads(line) for line in lines]
            thrown = sum(x is None for x in ids[pre])
            if [x is None for x in ids[pre]] != [x is None for x in pieces[pre]]:
                sys.exit(f"{pre}: the programs throw on different strings")
            print(f"{pre}: {len(lines)} strings, llama.cpp threw on {thrown}")
    finally:
        os.unlink(strings_bin)
    comment = ("Per tokenizer.ggml.pre name, for each string: ids, llama.cpp's token ids (llama_tokenize, add_special "
               "false, parse_special true) with DeepSeek-V3's vocabulary in every file; pieces, llama.cpp's "
               "pre-tokenizer pieces of the whole string (unicode_regex_split, no special-token partition), in the "
               "byte-level alphabet. null where llama.cpp throws. Strings: tests/data/tokenizer_corpus.json then "
               "tests/data/tokenizer_families_corpus.json. Made by tools/tokenizer_golden/make_family_golden.py; see "
               "tests/golden/README.md.")
    # One line per string and per id list keeps the file small and diffs readable.
    lines = ['{', f' "comment": {json.dumps(comment)},', ' "llama_cpp_commit": "3f545be",', ' "strings": [']
    lines += [f'  {json.dumps(e, ensure_ascii=False)}' + ("," if i + 1 < len(strings) else "")
              for i, e in enumerate(strings)]
    for key, table in (("ids", ids), ("pieces", pieces)):
        lines += [' ],' if key == "ids" else ' },', f' "{key}": {{']
        for n, pre in enumerate(FAMILIES):
            lines.append(f'  {json.dumps(pre)}: [')
            lines += [f'   {json.dumps(x, separators=(",", ":"), ensure_ascii=False)}' +
                      ("," if i + 1 < len(table[pre]) else "") for i, x in enumerate(table[pre])]
            lines.append('  ]' + ("," if n + 1 < len(FAMILIES) else ""))
    lines += [' }', '}']
    with open(os.path.join(ROOT, OUT), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{OUT}: {len(strings)} strings x {len(FAMILIES)} families")


if __name__ == "__main__":
    main()
