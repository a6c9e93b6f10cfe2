"""Byte-level BPE tokenizer with the DeepSeek-V3 pre-tokenizer, trained from scratch.

Vocabulary layout (chosen so the GGUF export is trivial and the runtime's gpt2-style BPE reads it unchanged):
  ids 0..255      one token per byte; its text is the GPT-2 byte-to-unicode character of that byte
  ids 256..       tokens created by merges, in merge order
  last 4 ids      special (control) tokens: BOS, EOS, <｜User｜>, <｜Assistant｜>
Merges are stored in rank order as "left right" strings (byte-level unicode text), exactly like tokenizer.ggml.merges.

Training counts pre-token frequencies once, then merges over the unique words with incremental pair counts, so the
whole corpus trains in seconds instead of re-scanning it for every merge.
"""
import sys
from collections import Counter, defaultdict

import regex

BOS = "<｜begin▁of▁sentence｜>"
EOS = "<｜end▁of▁sentence｜>"
USER = "<｜User｜>"
ASSISTANT = "<｜Assistant｜>"
SPECIALS = [BOS, EOS, USER, ASSISTANT]

# The DeepSeek-V3 tokenizer.json pre_tokenizer is a Sequence of three "Isolated" Splits followed by ByteLevel
# (use_regex false). Each Split runs on every piece the previous one produced; matches and the gaps between them
# both survive as pieces.
PRE_PATTERNS = [
    r"\p{N}{1,3}",
    r"[一-龥぀-ゟ゠-ヿ]+",
    r"[!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
]
_PRE_RE = [regex.compile(p) for p in PRE_PATTERNS]


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character map: printable Latin-1 bytes map to themselves, the other
    68 bytes (controls, space, 0x7f-0xa0, 0xad) to U+0100 upwards in byte order, so no token text holds whitespace
    or control characters."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    table = {}
    extra = 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


BYTE_TO_CHAR = bytes_to_unicode()
CHAR_TO_BYTE = {c: b for b, c in BYTE_TO_CHAR.items()}


def _split_isolated(pieces, pattern):
    out = []
    for piece in pieces:
        pos = 0
        for m in pattern.finditer(piece):
            if m.start() > pos:
                out.append(piece[pos:m.start()])
            if m.end() > m.start():
                out.append(m.group())
            pos = m.end()
        if pos < len(piece):
            out.append(piece[pos:])
    return out


def pretokenize(text):
    """Text -> list of pre-token strings (not yet byte-mapped)."""
    pieces = [text] if text else []
    for pat in _PRE_RE:
        pieces = _split_isolated(pieces, pat)
    return pieces


def _word_bytes(word):
    return word.encode("utf-8")


def train_bpe(text, vocab_size, verbose=True):
    """Returns (tokens, merges). vocab_size counts the 4 special tokens."""
    n_target = vocab_size - len(SPECIALS)
    freq = Counter(pretokenize(text))
    words = [list(_word_bytes(w)) for w in freq]
    counts = [freq[w] for w in freq]
    tokens = [BYTE_TO_CHAR[b] for b in range(256)]
    tok_id = {t: i for i, t in enumerate(tokens)}
    merges = []

    # pair -> total weighted count, pair -> set of word indices holding it
    pair_count = defaultdict(int)
    pair_words = defaultdict(set)
    for wi, w in enumerate(words):
        c = counts[wi]
        for a, b in zip(w, w[1:]):
            pair_count[(a, b)] += c
            pair_words[(a, b)].add(wi)

    while len(tokens) < n_target and pair_count:
        # Highest count wins; ties go to the smallest id pair so training is deterministic.
        best = max(pair_count.items(), key=lambda kv: (kv[1], -kv[0][0], -kv[0][1]))[0]
        if pair_count[best] < 2:
            break
        a, b = best
        text_new = tokens[a] + tokens[b]
        # Two different merge paths can spell the same string; reuse the id so token texts stay unique
        # (llama.cpp looks tokens up by text).
        if text_new in tok_id:
            new = tok_id[text_new]
        else:
            new = len(tokens)
            tokens.append(text_new)
            tok_id[text_new] = new
        merges.append((tokens[a], tokens[b]))
        for wi in list(pair_words[best]):
            w = words[wi]
            c = counts[wi]
            # remove this word's old pairs, rewrite it, add the new pairs
            for p in zip(w, w[1:]):
                pair_count[p] -= c
                if pair_count[p] <= 0:
                    del pair_count[p]
                pair_words[p].discard(wi)
            nw = []
            i = 0
            while i < len(w):
                if i + 1 < len(w) and w[i] == a and w[i + 1] == b:
                    nw.append(new)
                    i += 2
                else:
                    nw.append(w[i])
                    i += 1
            words[wi] = nw
            for p in zip(nw, nw[1:]):
                pair_count[p] += c
                pair_words[p].add(wi)
        pair_words.pop(best, None)
        pair_count.pop(best, None)
        if verbose and len(merges) % 200 == 0:
            print(f"bpe: {len(merges)} merges, vocab {len(tokens)}", file=sys.stderr)
    tokens = tokens + SPECIALS
    return tokens, merges


class Tokenizer:
    def __init__(self, tokens, merges):
        self.tokens = list(tokens)
        self.merges = [tuple(m) for m in merges]
        self.id_of = {t: i for i, t in enumerate(self.tokens)}
        self.rank = {m: r for r, m in enumerate(self.merges)}
        self.bos_id = self.id_of[BOS]
        self.eos_id = self.id_of[EOS]
        self.special_ids = {self.id_of[s] for s in SPECIALS}
        self._special_re = regex.compile("(" + "|".join(regex.escape(s) for s in SPECIALS) + ")")
        self._cache = {}

    @property
    def n_vocab(self):
        return len(self.tokens)

    def _bpe(self, word):
        if word in self._cache:
            return self._cache[word]
        parts = [BYTE_TO_CHAR[b] for b in _word_bytes(word)]
        # Standard rank-ordered BPE: repeatedly apply the lowest-ranked merge present in the word.
        while len(parts) > 1:
            best_r = None
            for i in range(len(parts) - 1):
                r = self.rank.get((parts[i], parts[i + 1]))
                if r is not None and (best_r is None or r < best_r):
                    best_r = r
            if best_r is None:
                break
            l, r = self.merges[best_r]
            out = []
            i = 0
            while i < len(parts):
                if i + 1 < len(parts) and parts[i] == l and parts[i + 1] == r:
                    out.append(l + r)
                    i += 2
                else:
                    out.append(parts[i])
                    i += 1
            parts = out
        ids = [self.id_of[p] for p in parts]
        self._cache[word] = ids
        return ids

    def encode(self, text, add_bos=False):
        """Special-token strings in the text become their control ids (like HF added tokens); the rest is BPE."""
        ids = [self.bos_id] if add_bos else []
        for chunk in self._special_re.split(text):
            if not chunk:
                continue
            if chunk in SPECIALS:
                ids.append(self.id_of[chunk])
                continue
            for w in pretokenize(chunk):
                ids.extend(self._bpe(w))
        return ids

    def decode(self, ids, skip_special=True):
        out = bytearray()
        for i in ids:
            if i in self.special_ids:
                if not skip_special:
                    out += self.tokens[i].encode("utf-8")
                continue
            out += bytes(CHAR_TO_BYTE[c] for c in self.tokens[i])
        return out.decode("utf-8", errors="replace")

    def to_dict(self):
        return {"tokens": self.tokens, "merges": [list(m) for m in self.merges], "specials": SPECIALS}

    @classmethod
    def from_dict(cls, d):
        return cls(d["tokens"], d["merges"])


if __name__ == "__main__":
    # quick manual check: python3 tokenizer.py CORPUS [VOCAB]
    import time
    src = open(sys.argv[1], encoding="utf-8").read()
    t0 = time.time()
    toks, mer = train_bpe(src, int(sys.argv[2]) if len(sys.argv) > 2 else 1536)
    tk = Tokenizer(toks, mer)
    t1 = time.time()
    ids = tk.encode(src)
    print(f"vocab {tk.n_vocab}, merges {len(mer)}, train {t1 - t0:.1f}s, encode {time.time() - t1:.1f}s, "
          f"{len(ids)} tokens, {len(src.encode()) / len(ids):.2f} bytes/token")
    assert tk.decode(ids) == src
    s = "<｜User｜>Hi! 12345 ROMEO:\n  O, speak again.<｜Assistant｜>"
    e = tk.encode(s, add_bos=True)
    print(e, [tk.tokens[i] for i in e])
    assert tk.decode(e, skip_special=False) == BOS + s
    print(pretokenize("Hello world's 123456 don't\n\n  x  y's ,,. ok"))
