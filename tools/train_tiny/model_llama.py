"""A small Llama-style GQA model in PyTorch: the conversion source of `mlavk transmla` (docs/TRANSMLA.md).

Hugging Face LlamaForCausalLM semantics and parameter names (so export_gguf_llama.py's name map reads like
llama.cpp's convert_hf_to_gguf.py): RMSNorm, grouped-query attention (query head h reads key/value head
h // (n_h / n_kv)), RoPE in the rotate-half form (pairs (i, i + d/2), frequency theta^(-2i/d)), SwiGLU MLP, untied
output. head_dim is set on its own (HF's config.head_dim), so the query width n_h*d may differ from D.
Works in float32 for training and float64 for golden logits.
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F

from model import RMSNorm, MLP


@dataclass
class LlamaConfig:
    vocab_size: int = 1536
    hidden_size: int = 128            # D
    num_hidden_layers: int = 4        # L
    num_attention_heads: int = 8      # n_h
    num_key_value_heads: int = 2      # n_kv: 2*n_kv*d = 128 cached values per token per layer
    head_dim: int = 32                # d
    intermediate_size: int = 384      # F
    rms_norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    max_position_embeddings: int = 256
    dropout: float = 0.0              # training-only regulariser on the residual branches; no effect in eval()

    def to_dict(self):
        return asdict(self)


def rope_rotate_half(x, pos, theta):
    """HF Llama's apply_rotary_pos_emb: x * cos + rotate_half(x) * sin, pairs (i, i + d/2) at angle
    pos * theta^(-2i/d). x: [..., T, d] with T matching pos."""
    d = x.shape[-1]
    i = torch.arange(0, d // 2, dtype=torch.float64, device=x.device)
    freq = theta ** (-2.0 * i / d)
    ang = pos.to(torch.float64)[:, None] * freq[None, :]           # [T, d/2]
    cos, sin = ang.cos().to(x.dtype), ang.sin().to(x.dtype)
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    return torch.cat((x1 * cos - x2 * sin, x2 * cos + x1 * sin), dim=-1)


class GQA(nn.Module):
    def __init__(self, c: LlamaConfig):
        super().__init__()
        self.c = c
        H, K, d = c.num_attention_heads, c.num_key_value_heads, c.head_dim
        assert H % K == 0
        self.q_proj = nn.Linear(c.hidden_size, H * d, bias=False)
        self.k_proj = nn.Linear(c.hidden_size, K * d, bias=False)
        self.v_proj = nn.Linear(c.hidden_size, K * d, bias=False)
        self.o_proj = nn.Linear(H * d, c.hidden_size, bias=False)
        self.scale = 1.0 / math.sqrt(d)

    def forward(self, x):
        c = self.c
        B, T, _ = x.shape
        H, K, d = c.num_attention_heads, c.num_key_value_heads, c.head_dim
        pos = torch.arange(T, device=x.device)
        q = rope_rotate_half(self.q_proj(x).view(B, T, H, d).transpose(1, 2), pos, c.rope_theta)
        k = rope_rotate_half(self.k_proj(x).view(B, T, K, d).transpose(1, 2), pos, c.rope_theta)
        v = self.v_proj(x).view(B, T, K, d).transpose(1, 2)
        k = k.repeat_interleave(H // K, dim=1)                        # HF repeat_kv: head h reads kv head h // (H/K)
        v = v.repeat_interleave(H // K, dim=1)
        s = (q @ k.transpose(-1, -2)) * self.scale
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
        s = s.masked_fill(mask, float("-inf"))
        sdt = torch.float64 if s.dtype == torch.float64 else torch.float32
        a = torch.softmax(s.to(sdt), dim=-1).to(v.dtype)
        o = (a @ v).transpose(1, 2).reshape(B, T, H * d)
        return self.o_proj(o)


class Block(nn.Module):
    def __init__(self, c: LlamaConfig):
        super().__init__()
        self.dropout = c.dropout
        self.input_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.self_attn = GQA(c)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.mlp = MLP(c.hidden_size, c.intermediate_size)

    def forward(self, x):
        h = x + F.dropout(self.self_attn(self.input_layernorm(x)), self.dropout, self.training)
        return h + F.dropout(self.mlp(self.post_attention_layernorm(h)), self.dropout, self.training)


class LlamaTiny(nn.Module):
    def __init__(self, c: LlamaConfig):
        super().__init__()
        self.config = c
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList([Block(c) for _ in range(c.num_hidden_layers)])
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.lm_head = nn.Linear(c.hidden_size, c.vocab_size, bias=False)   # untied
        self._init()

    def _init(self):
        std = 0.02
        res_std = std / math.sqrt(2 * self.config.num_hidden_layers)
        for name, p in self.named_parameters():
            if p.dim() < 2:
                continue
            is_res = name.endswith(("o_proj.weight", "down_proj.weight"))
            nn.init.normal_(p, 0.0, res_std if is_res else std)

    def forward(self, ids):
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x)
        return self.lm_head(self.norm(x))

    # the training loop's MoE hooks: a dense model has nothing to balance
    def moe_layers(self):
        return []

    def update_router_bias(self, gamma):
        pass

    def param_counts(self):
        total = sum(p.numel() for p in self.parameters())
        return total, total

    @torch.no_grad()
    def generate(self, ids, n, temperature=0.8, generator=None):
        ctx = self.config.max_position_embeddings
        ids = list(ids)
        for _ in range(n):
            x = torch.tensor([ids[-ctx:]])
            logits = self(x)[0, -1].float() / temperature
            p = torch.softmax(logits, -1)
            ids.append(int(torch.multinomial(p, 1, generator=generator)))
        return ids
