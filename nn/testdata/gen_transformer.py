#!/usr/bin/python3
"""Writes transformer.json: torch 1.13's forward values, gradients and grad_fn
names for nn/functional's LayerNorm, Gelu, Embedding and ScaledDotProductAttention
(golden cases in the format of layers.json, read by nn/functional's golden test),
and transformer_modules.json: nn.MultiheadAttention and nn.TransformerEncoderLayer
with their state dicts, inputs, outputs and every gradient, read by nn's
TestTransformerModulesGolden.

Run from anywhere with Debian's python3-torch:
    /usr/bin/python3 nn/testdata/gen_transformer.py

PyTorch 1.13 has no F.scaled_dot_product_attention (it came in 2.0); its
reference here is the formula softmax(q kᵀ/√E + mask) v written with torch ops.
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from gen_layers import CASES, case, main as _unused, run, flat  # noqa: F401  (shared case machinery)

HERE = os.path.dirname(os.path.abspath(__file__))
CASES.clear()


def sdpa(q, k, v, mask=None, causal=False):
    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if causal:
        L, S = q.shape[-2], k.shape[-2]
        s = s + torch.triu(torch.full((L, S), float("-inf"), dtype=q.dtype), 1)
    if mask is not None:
        s = s + mask.to(q.dtype)
    return s.softmax(-1) @ v


case("layer_norm_affine", "layer_norm", {"normalized_shape": [5], "eps": 1e-5}, {"x": (2, 3, 5), "weight": (5,), "bias": (5,)},
     lambda i: F.layer_norm(i["x"], (5,), i["weight"], i["bias"], 1e-5))
case("layer_norm_2d_noaffine", "layer_norm", {"normalized_shape": [3, 4], "eps": 1e-3}, {"x": (2, 3, 4)},
     lambda i: F.layer_norm(i["x"], (3, 4), None, None, 1e-3))
case("gelu", "gelu", {"approximate": "none"}, {"x": (3, 7)}, lambda i: F.gelu(i["x"]))
case("gelu_tanh", "gelu", {"approximate": "tanh"}, {"x": (3, 7)}, lambda i: F.gelu(i["x"], approximate="tanh"))
IDX = [[1, 0, 3, 3], [4, 1, 0, 2]]
case("embedding_padding", "embedding", {"indices": IDX, "padding_idx": 3}, {"weight": (5, 4)},
     lambda i: F.embedding(torch.tensor(IDX), i["weight"], padding_idx=3))
case("embedding", "embedding", {"indices": IDX, "padding_idx": -1}, {"weight": (5, 4)},
     lambda i: F.embedding(torch.tensor(IDX), i["weight"]))
case("sdpa", "scaled_dot_product_attention", {}, {"q": (2, 3, 4, 8), "k": (2, 3, 5, 8), "v": (2, 3, 5, 6)},
     lambda i: sdpa(i["q"], i["k"], i["v"]))
case("sdpa_causal", "scaled_dot_product_attention", {"causal": True}, {"q": (2, 4, 8), "k": (2, 4, 8), "v": (2, 4, 8)},
     lambda i: sdpa(i["q"], i["k"], i["v"], causal=True))
KEEP = [[True, False, True, True, False], [True, True, True, False, False], [False, True, True, True, True], [True, True, False, True, True]]
case("sdpa_bool_mask", "scaled_dot_product_attention", {"keep": KEEP}, {"q": (2, 4, 8), "k": (2, 5, 8), "v": (2, 5, 3)},
     lambda i: sdpa(i["q"], i["k"], i["v"], mask=torch.zeros(4, 5, dtype=torch.float64).masked_fill(~torch.tensor(KEEP), float("-inf"))))
case("sdpa_additive_mask", "scaled_dot_product_attention", {}, {"q": (2, 4, 8), "k": (2, 5, 8), "v": (2, 5, 3), "mask": (4, 5)},
     lambda i: sdpa(i["q"], i["k"], i["v"], mask=i["mask"]), grads=["q", "k", "v"])
# A bool mask passed as it is to torch 1.13's private
# F._scaled_dot_product_attention, whose rule is PyTorch 2's public one: True
# attends (the opposite of MultiheadAttention's masks).
case("sdpa_bool_tensor", "scaled_dot_product_attention", {"keep": KEEP, "bool_tensor": True},
     {"q": (2, 4, 8), "k": (2, 5, 8), "v": (2, 5, 3)},
     lambda i: F._scaled_dot_product_attention(i["q"], i["k"], i["v"], attn_mask=torch.tensor(KEEP))[0])


def modules():
    out = []
    torch.manual_seed(0)
    for name, dt in (("float64", torch.float64), ("float32", torch.float32)):
        pass
    # MultiheadAttention: cross-attention with key padding and an attention mask.
    mha = nn.MultiheadAttention(8, 2, batch_first=True).double()
    with torch.no_grad():
        mha.in_proj_bias.normal_()
        mha.out_proj.bias.normal_()
    q, k = torch.randn(2, 4, 8, dtype=torch.float64), torch.randn(2, 5, 8, dtype=torch.float64)
    kpm = torch.tensor([[False, False, False, True, True], [False, False, False, False, False]])
    am = torch.randn(4, 5, dtype=torch.float64)
    out.append(module_case("mha", mha, [q, k, k], dict(key_padding_mask=kpm, attn_mask=am, need_weights=False),
                           {"key_padding_mask": kpm.tolist(), "attn_mask": flat(am)}))
    for norm_first in (False, True):
        for act in ("relu", "gelu"):
            layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=act, batch_first=True, norm_first=norm_first).double()
            with torch.no_grad():
                for p in layer.parameters():
                    if p.dim() == 1:
                        p.normal_()
            x = torch.randn(2, 5, 8, dtype=torch.float64)
            mask = torch.triu(torch.full((5, 5), float("-inf"), dtype=torch.float64), 1)
            out.append(module_case(f"encoder_{act}_normfirst{norm_first}", layer, [x], dict(src_mask=mask),
                                   {"norm_first": norm_first, "activation": act, "causal": True}))
    return out


def module_case(name, m, xs, kwargs, params):
    res = {"name": name, "params": params,
           "state_dict": {k: {"shape": list(v.shape), "data": flat(v)} for k, v in m.state_dict().items()},
           "inputs": [{"shape": list(x.shape), "data": flat(x)} for x in xs]}
    for dt in (torch.float64, torch.float32):
        mm = m.to(dt)
        xx = [x.to(dt).clone().requires_grad_(True) for x in xs]
        kw = {k: (v.to(dt) if torch.is_tensor(v) and v.is_floating_point() else v) for k, v in kwargs.items()}
        mm.zero_grad()
        y = mm(*xx, **kw)
        if isinstance(y, tuple):
            y = y[0]
        g = torch.Generator().manual_seed(7)
        up = torch.randn(y.shape, generator=g, dtype=torch.float64)
        (y * up.to(dt)).sum().backward()
        res["upstream"] = flat(up)
        res[str(dt).removeprefix("torch.")] = {
            "shape": list(y.shape), "out": flat(y),
            "input_grads": [flat(x.grad) for x in xx],
            "param_grads": {k: flat(p.grad) for k, p in mm.named_parameters()},
        }
    m.double()
    return res


def main():
    cases = []
    for c in CASES:
        r64, up = run(c, torch.float64)
        r32, _ = run(c, torch.float32)
        cases.append({"name": c["name"], "op": c["op"], "params": c["params"],
                      "inputs": {k: {"shape": list(t.shape), "data": flat(t)} for k, t in c["inputs"].items()},
                      "grads": c["grads"], "upstream": flat(up), "float64": r64, "float32": r32})
    with open(os.path.join(HERE, "transformer.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f)
    with open(os.path.join(HERE, "transformer_modules.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": modules()}, f)


if __name__ == "__main__":
    main()
