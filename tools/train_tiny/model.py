"""A small DeepSeek-V3-style model (MLA + MoE) in PyTorch, written from shared/docs/deepseek-reference.md.

Parameter names follow the Hugging Face DeepseekV3 layout so the GGUF exporter's name map reads like the
llama.cpp converter's. Everything is the naive (non-absorbed) reference form; the runtime's absorbed form must match
it up to rounding. Works in float32 for training and float64 for golden logits.
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    vocab_size: int = 1536
    hidden_size: int = 192            # D
    num_hidden_layers: int = 4        # L
    first_k_dense_replace: int = 1    # n_dense
    num_attention_heads: int = 4      # H
    q_lora_rank: int = 96             # r_q
    kv_lora_rank: int = 64            # r_kv
    qk_nope_head_dim: int = 32        # d_n
    qk_rope_head_dim: int = 16        # d_r
    v_head_dim: int = 32              # d_v
    n_routed_experts: int = 8         # E
    num_experts_per_tok: int = 2      # k
    n_group: int = 2                  # G
    topk_group: int = 1               # G_k
    n_shared_experts: int = 1         # S
    moe_intermediate_size: int = 128  # F_e
    intermediate_size: int = 512      # F (dense layers)
    routed_scaling_factor: float = 2.5
    norm_topk_prob: bool = True
    rms_norm_eps: float = 1e-6
    rope_theta: float = 10000.0
    max_position_embeddings: int = 256
    dropout: float = 0.0              # training-only regulariser on the residual branches; no effect in eval()

    def to_dict(self):
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_adjacent(x, pos, theta):
    """Rotate adjacent pairs (x[2i], x[2i+1]) by angle pos * theta^(-2i/d). x: [..., T, d] with T matching pos.
    Plain frequencies: this model is trained at its full context, so there is no YaRN scaling."""
    d = x.shape[-1]
    i = torch.arange(0, d // 2, dtype=torch.float64, device=x.device)
    freq = theta ** (-2.0 * i / d)
    ang = pos.to(torch.float64)[:, None] * freq[None, :]          # [T, d/2]
    cos, sin = ang.cos().to(x.dtype), ang.sin().to(x.dtype)
    x0, x1 = x[..., 0::2], x[..., 1::2]
    out = torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1)
    return out.flatten(-2)


class MLA(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        H, dn, dr, dv = c.num_attention_heads, c.qk_nope_head_dim, c.qk_rope_head_dim, c.v_head_dim
        self.q_a_proj = nn.Linear(c.hidden_size, c.q_lora_rank, bias=False)
        self.q_a_layernorm = RMSNorm(c.q_lora_rank, c.rms_norm_eps)
        self.q_b_proj = nn.Linear(c.q_lora_rank, H * (dn + dr), bias=False)
        self.kv_a_proj_with_mqa = nn.Linear(c.hidden_size, c.kv_lora_rank + dr, bias=False)
        self.kv_a_layernorm = RMSNorm(c.kv_lora_rank, c.rms_norm_eps)
        # rows per head h: [W_UK_h (d_n rows) ; W_UV_h (d_v rows)], the layout the exporter splits
        self.kv_b_proj = nn.Linear(c.kv_lora_rank, H * (dn + dv), bias=False)
        self.o_proj = nn.Linear(H * dv, c.hidden_size, bias=False)
        self.scale = 1.0 / math.sqrt(dn + dr)

    def forward(self, x):
        c = self.c
        B, T, _ = x.shape
        H, dn, dr, dv, rkv = c.num_attention_heads, c.qk_nope_head_dim, c.qk_rope_head_dim, c.v_head_dim, c.kv_lora_rank
        pos = torch.arange(T, device=x.device)
        q = self.q_b_proj(self.q_a_layernorm(self.q_a_proj(x))).view(B, T, H, dn + dr).transpose(1, 2)
        q_nope, q_pe = q[..., :dn], rope_adjacent(q[..., dn:], pos, c.rope_theta)
        kv = self.kv_a_proj_with_mqa(x)
        lat = self.kv_a_layernorm(kv[..., :rkv])
        k_pe = rope_adjacent(kv[..., rkv:], pos, c.rope_theta)         # [B, T, dr], shared by all heads
        kvb = self.kv_b_proj(lat).view(B, T, H, dn + dv).transpose(1, 2)
        k_nope, v = kvb[..., :dn], kvb[..., dn:]
        # q.k split into its two halves instead of concatenating k_pe into every head (same sum)
        s = q_nope @ k_nope.transpose(-1, -2) + q_pe @ k_pe[:, None].transpose(-1, -2)
        s = s * self.scale
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
        s = s.masked_fill(mask, float("-inf"))
        sdt = torch.float64 if s.dtype == torch.float64 else torch.float32   # softmax in at least fp32
        a = torch.softmax(s.to(sdt), dim=-1).to(v.dtype)
        o = (a @ v).transpose(1, 2).reshape(B, T, H * dv)
        return self.o_proj(o)


class MLP(nn.Module):
    """SwiGLU: down(silu(gate x) * up x). Dense layers and the shared expert."""
    def __init__(self, dim, hidden):
        super().__init__()
        self.gate_proj = nn.Linear(dim, hidden, bias=False)
        self.up_proj = nn.Linear(dim, hidden, bias=False)
        self.down_proj = nn.Linear(hidden, dim, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class MoE(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        E, D, Fe = c.n_routed_experts, c.hidden_size, c.moe_intermediate_size
        self.gate_weight = nn.Parameter(torch.empty(E, D))                    # ffn_gate_inp
        # V3 e_score_correction_bias: a buffer nudged by the training loop (aux-loss-free balancing), never trained
        self.register_buffer("e_score_correction_bias", torch.zeros(E))
        # experts stacked as [E, out, in]: exactly the GGUF {in, out, E} byte layout
        self.experts_gate = nn.Parameter(torch.empty(E, Fe, D))
        self.experts_up = nn.Parameter(torch.empty(E, Fe, D))
        self.experts_down = nn.Parameter(torch.empty(E, D, Fe))
        self.shared_experts = MLP(D, Fe * c.n_shared_experts)
        self.last_load = None   # tokens per expert in the last forward (for the bias update)

    def route(self, x):
        """x: [N, D] -> (idx [N,k], weights [N,k]). Reference 'MoE at one token'."""
        c = self.c
        N = x.shape[0]
        E, G = c.n_routed_experts, c.n_group
        z = x @ self.gate_weight.t()
        sdt = torch.float64 if z.dtype == torch.float64 else torch.float32
        s = torch.sigmoid(z.to(sdt))
        s_sel = s + self.e_score_correction_bias.to(sdt)
        if G > 1:
            # group score = sum of the top-2 biased scores in the group; keep the best topk_group groups
            grp = s_sel.view(N, G, E // G).topk(2, dim=-1).values.sum(-1)
            keep = grp.topk(c.topk_group, dim=-1).indices
            gmask = torch.zeros(N, G, dtype=torch.bool, device=x.device).scatter_(1, keep, True)
            emask = gmask[:, :, None].expand(N, G, E // G).reshape(N, E)
            s_sel = s_sel.masked_fill(~emask, float("-inf"))
        idx = s_sel.topk(c.num_experts_per_tok, dim=-1).indices
        w = s.gather(1, idx)                     # unbiased scores weight the experts
        if c.norm_topk_prob:
            w = w / w.sum(-1, keepdim=True)
        w = w * c.routed_scaling_factor
        return idx, w.to(x.dtype)

    def forward(self, x):
        c = self.c
        shape = x.shape
        x = x.reshape(-1, shape[-1])
        idx, w = self.route(x)
        with torch.no_grad():
            self.last_load = torch.bincount(idx.flatten(), minlength=c.n_routed_experts).to(torch.float32)
        out = torch.zeros_like(x)
        for e in range(c.n_routed_experts):
            tok, slot = torch.where(idx == e)
            if tok.numel() == 0:
                continue
            xe = x.index_select(0, tok)
            h = F.silu(xe @ self.experts_gate[e].t()) * (xe @ self.experts_up[e].t())
            ye = (h @ self.experts_down[e].t()) * w[tok, slot][:, None]
            out.index_add_(0, tok, ye)
        out = out + self.shared_experts(x)
        return out.view(shape)


class Block(nn.Module):
    def __init__(self, c: Config, layer):
        super().__init__()
        self.dropout = c.dropout
        self.input_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.self_attn = MLA(c)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.mlp = MLP(c.hidden_size, c.intermediate_size) if layer < c.first_k_dense_replace else MoE(c)

    def forward(self, x):
        h = x + F.dropout(self.self_attn(self.input_layernorm(x)), self.dropout, self.training)
        return h + F.dropout(self.mlp(self.post_attention_layernorm(h)), self.dropout, self.training)


class DeepseekTiny(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.config = c
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList([Block(c, i) for i in range(c.num_hidden_layers)])
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.lm_head = nn.Linear(c.hidden_size, c.vocab_size, bias=False)   # untied
        self._init()

    def _init(self):
        std = 0.02
        # residual-writing projections get the GPT-2 style 1/sqrt(2L) shrink so the stream stays O(1) at init
        res_std = std / math.sqrt(2 * self.config.num_hidden_layers)
        for name, p in self.named_parameters():
            if p.dim() < 2:
                continue
            is_res = name.endswith(("o_proj.weight", "down_proj.weight", "experts_down"))
            nn.init.normal_(p, 0.0, res_std if is_res else std)

    def forward(self, ids):
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x)
        return self.lm_head(self.norm(x))

    def moe_layers(self):
        return [l.mlp for l in self.layers if isinstance(l.mlp, MoE)]

    @torch.no_grad()
    def update_router_bias(self, gamma):
        """DeepSeek-V3 aux-loss-free balancing: raise the bias of under-loaded experts, lower over-loaded ones."""
        for m in self.moe_layers():
            if m.last_load is None:
                continue
            load = m.last_load
            m.e_score_correction_bias += gamma * torch.sign(load.mean() - load)

    def param_counts(self):
        total = sum(p.numel() for p in self.parameters())
        c = self.config
        per_exp = 3 * c.hidden_size * c.moe_intermediate_size
        inactive = len(self.moe_layers()) * (c.n_routed_experts - c.num_experts_per_tok) * per_exp
        return total, total - inactive

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
