#!/usr/bin/python3
"""Writes mha.json: torch 1.13's nn.MultiheadAttention with need_weights=True in
the layouts and options gograd's nn.MultiheadAttention takes (batch_first True
and False, unbatched inputs, kdim/vdim, bias=False, add_bias_kv, add_zero_attn,
boolean and float masks, average_attn_weights True and False): each case's
options, state dict, inputs, masks, the output and the attention weights, and
the gradients of every input and parameter of
sum(out * upstream) + sum(weights * upstream_weights), in float64 and float32.
Read by nn's TestMultiheadAttentionGolden. Dropout is 0: PyTorch's dropout masks
cannot be reproduced; mha_test.go checks dropout by its properties.

Run from anywhere with Debian's python3-torch:
    /usr/bin/python3 nn/testdata/gen_mha.py
"""
import json
import os

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


def flat(t):
    return t.detach().reshape(-1).tolist()


def enc(t):
    return {"shape": list(t.shape), "data": flat(t.double()) if t.dtype != torch.bool else t.reshape(-1).tolist(),
            "bool": t.dtype == torch.bool}


def case(name, e, h, xs, opts, masks, average=True, self_attn=False):
    """opts: batch_first, kdim, vdim, bias, add_bias_kv, add_zero_attn."""
    m = nn.MultiheadAttention(e, h, **opts).double()
    with torch.no_grad():
        for k, p in m.named_parameters():
            if k in ("in_proj_bias", "out_proj.bias"):
                p.normal_()
    res = {"name": name, "embed_dim": e, "num_heads": h, "options": opts, "average": average, "self": self_attn,
           "state_dict": {k: {"shape": list(v.shape), "data": flat(v)} for k, v in m.state_dict().items()},
           "inputs": [enc(x) for x in xs], "masks": {k: enc(v) for k, v in masks.items()}}
    g = torch.Generator().manual_seed(7)
    for dt in (torch.float64, torch.float32):
        mm = m.to(dt)
        xx = [x.to(dt).clone().requires_grad_(True) for x in xs]
        kw = {k: (v.to(dt) if v.is_floating_point() else v) for k, v in masks.items()}
        mm.zero_grad()
        args = [xx[0], xx[0], xx[0]] if self_attn else xx
        y, w = mm(*args, need_weights=True, average_attn_weights=average, **kw)
        if dt == torch.float64:
            up = torch.randn(y.shape, generator=g, dtype=torch.float64)
            upw = torch.randn(w.shape, generator=g, dtype=torch.float64)
            res["upstream"], res["upstream_weights"] = flat(up), flat(upw)
        ((y * up.to(dt)).sum() + (w * upw.to(dt)).sum()).backward()
        res[str(dt).removeprefix("torch.")] = {
            "shape": list(y.shape), "out": flat(y), "weights_shape": list(w.shape), "weights": flat(w),
            "input_grads": [flat(x.grad) for x in xx],
            "param_grads": {k: flat(p.grad) for k, p in mm.named_parameters()},
        }
    m.double()
    return res


def main():
    torch.manual_seed(0)
    r = lambda *s: torch.randn(*s, dtype=torch.float64)
    cases = []
    # Sequence-first (PyTorch's default) cross-attention, boolean masks (True = masked out).
    kpm = torch.tensor([[False, False, False, True, True], [False, True, False, False, False]])
    am = torch.tensor([[False, True, False, False, False], [False, False, True, False, False],
                       [True, False, False, False, False], [False, False, False, False, True]])
    cases.append(case("seqfirst_bool_masks", 8, 2, [r(4, 2, 8), r(5, 2, 8), r(5, 2, 8)], {"batch_first": False},
                      {"key_padding_mask": kpm, "attn_mask": am}))
    # Batch-first, per-head weights, a float (N·heads, L, S) mask and a boolean key padding mask.
    cases.append(case("batchfirst_per_head", 8, 2, [r(2, 4, 8), r(2, 5, 8), r(2, 5, 8)], {"batch_first": True},
                      {"key_padding_mask": kpm, "attn_mask": r(4, 4, 5)}, average=False))
    # Unbatched (L, E) inputs, a (heads, L, S) float mask, a (S) key padding mask.
    cases.append(case("unbatched", 8, 2, [r(4, 8), r(5, 8), r(5, 8)], {},
                      {"key_padding_mask": torch.tensor([False, True, False, False, False]), "attn_mask": r(2, 4, 5)}))
    # Sequence-first self-attention without masks.
    cases.append(case("self_seqfirst", 8, 4, [r(5, 3, 8)], {}, {}, self_attn=True))
    # kdim and vdim differ from embed_dim: separate q/k/v projection weights, no biases.
    cases.append(case("kdim_vdim_nobias", 8, 2, [r(3, 2, 8), r(5, 2, 6), r(5, 2, 3)],
                      {"kdim": 6, "vdim": 3, "bias": False}, {}, average=False))
    # add_bias_kv and add_zero_attn with both masks.
    cases.append(case("bias_kv_zero_attn", 8, 2, [r(2, 3, 8), r(2, 4, 8), r(2, 4, 8)],
                      {"batch_first": True, "add_bias_kv": True, "add_zero_attn": True},
                      {"key_padding_mask": torch.tensor([[False, False, True, True], [False, False, False, False]]),
                       "attn_mask": r(3, 4)}, average=False))
    with open(os.path.join(HERE, "mha.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f)


if __name__ == "__main__":
    main()
