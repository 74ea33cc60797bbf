#!/usr/bin/python3
"""Writes layers_more.json: torch 1.13's forward values, every gradient and grad_fn
names of nn/functional's Hardshrink, Softshrink, Threshold, PRelu, GLU, RRelu (evaluation
mode; training mode draws from gograd's generator), Softmin,
Interpolate (nearest 1-d/2-d/3-d, nearest-exact, linear, bilinear, bicubic,
trilinear, area; antialias; size, scale factors,
align_corners, recompute_scale_factor), EmbeddingBag (sum/mean/max, offsets,
include_last_offset, per_sample_weights, padding_idx, max_norm, scale_grad_by_freq) and Embedding with
max_norm (the weight after its renormalisation recorded as a buffer), for
nn/functional's TestLayersMoreGolden (more_test.go).

Run from anywhere with Debian's python3-torch:
    /usr/bin/python3 nn/testdata/gen_layers_more.py

The format is layers.json's (gen_layers.py): inputs drawn in float64 from a
torch.Generator seeded per case and stored, the float32 run on the same values
rounded; the upstream gradient is that of (out * c).sum() with c stored.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_layers  # noqa: E402  (its case, run and encode; its own cases are dropped)

CASES = gen_layers.CASES
CASES.clear()
case = gen_layers.case

case("hardshrink", "hardshrink", {"lambda": 0.5}, {"x": (3, 5)}, lambda i: F.hardshrink(i["x"], 0.5))
case("softshrink", "softshrink", {"lambda": 0.3}, {"x": (2, 3, 4)}, lambda i: F.softshrink(i["x"], 0.3))
case("threshold", "threshold", {"threshold": 0.1, "value": -2.0}, {"x": (4, 5)}, lambda i: F.threshold(i["x"], 0.1, -2.0))
case("prelu_one", "prelu", {}, {"x": (2, 3, 4, 2), "weight": (1,)}, lambda i: F.prelu(i["x"], i["weight"]))
case("prelu_channels", "prelu", {}, {"x": (2, 3, 4), "weight": (3,)}, lambda i: F.prelu(i["x"], i["weight"]))
case("prelu_1d", "prelu", {}, {"x": (5,), "weight": (1,)}, lambda i: F.prelu(i["x"], i["weight"]))
case("glu", "glu", {"dim": 1}, {"x": (3, 4, 2)}, lambda i: F.glu(i["x"], 1))
case("glu_last", "glu", {"dim": -1}, {"x": (2, 6)}, lambda i: F.glu(i["x"]))
case("rrelu_eval", "rrelu", {"lower": 0.1, "upper": 0.4}, {"x": (3, 5)}, lambda i: F.rrelu(i["x"], 0.1, 0.4, training=False))
case("softmin", "softmin", {"dim": 1}, {"x": (3, 4, 2)}, lambda i: F.softmin(i["x"], 1))


def interp(name, shape, **kw):
    case(name, "interpolate", kw, {"x": shape}, lambda i: F.interpolate(i["x"], **kw))


interp("nearest1d_scale2", (2, 3, 5), scale_factor=2.0)
interp("nearest1d_size7", (2, 2, 5), size=7)
interp("nearest1d_down", (1, 2, 9), size=4)
interp("nearest2d_scale1.5", (2, 2, 3, 4), scale_factor=1.5)
interp("nearest2d_size_down", (1, 3, 5, 6), size=(3, 4))
interp("nearest2d_scale_2_3", (1, 2, 3, 3), scale_factor=(2.0, 3.0))
interp("nearest2d_recompute", (1, 2, 3, 5), scale_factor=1.7, recompute_scale_factor=True)
interp("nearest_exact1d", (2, 2, 5), size=7, mode="nearest-exact")
interp("nearest_exact2d_scale", (1, 2, 3, 5), scale_factor=(1.5, 0.7), mode="nearest-exact")
interp("nearest_exact2d_double", (1, 1, 3, 4), scale_factor=2.0, mode="nearest-exact")
interp("nearest3d_scale2", (1, 1, 2, 3, 2), scale_factor=2.0)
interp("nearest3d_size", (1, 1, 3, 4, 5), size=(4, 2, 7))
interp("trilinear_size", (1, 1, 3, 4, 3), size=(5, 3, 6), mode="trilinear")
interp("trilinear_align", (1, 1, 2, 3, 4), size=(4, 5, 3), mode="trilinear", align_corners=True)
interp("trilinear_scale", (1, 1, 3, 2, 4), scale_factor=(1.5, 2.0, 0.75), mode="trilinear")
interp("bicubic_scale2", (1, 2, 3, 4), scale_factor=2.0, mode="bicubic")
interp("bicubic_align_size", (2, 1, 4, 5), size=(6, 3), mode="bicubic", align_corners=True)
interp("bicubic_down", (1, 1, 7, 6), size=(3, 4), mode="bicubic")
interp("area2d", (2, 2, 6, 7), size=(3, 4), mode="area")
interp("area1d", (2, 3, 9), size=4, mode="area")
interp("bilinear_aa_down", (1, 2, 9, 11), size=(4, 3), mode="bilinear", antialias=True)
interp("bilinear_aa_mixed", (2, 1, 5, 12), size=(8, 5), mode="bilinear", antialias=True)
interp("bilinear_aa_scale_align", (1, 1, 10, 7), scale_factor=0.4, mode="bilinear", antialias=True, align_corners=True)
interp("bicubic_aa_down", (1, 1, 9, 11), size=(4, 5), mode="bicubic", antialias=True)
interp("bicubic_aa_up", (1, 1, 3, 4), size=(6, 7), mode="bicubic", antialias=True)
interp("linear_size", (2, 3, 5), size=8, mode="linear")
interp("linear_align", (2, 2, 5), size=8, mode="linear", align_corners=True)
interp("linear_scale_down", (1, 2, 9), scale_factor=0.45, mode="linear")
interp("bilinear_scale2", (2, 2, 3, 4), scale_factor=2.0, mode="bilinear")
interp("bilinear_align_size", (1, 2, 4, 3), size=(5, 7), mode="bilinear", align_corners=True)
interp("bilinear_down", (1, 3, 6, 7), size=(2, 3), mode="bilinear")
interp("bilinear_scale_recompute", (1, 2, 4, 5), scale_factor=1.7, mode="bilinear", recompute_scale_factor=True)
interp("bilinear_scale_0.6", (1, 1, 5, 6), scale_factor=(0.6, 1.3), mode="bilinear")
interp("bilinear_align_1", (1, 1, 3, 4), size=(1, 5), mode="bilinear", align_corners=True)

IDX1 = [1, 2, 4, 5, 4, 3, 2, 0, 5]
IDX2 = [[1, 2, 0, 4], [4, 4, 3, 1], [0, 5, 2, 2]]


def by_freq(w, indices):
    """Divides w's gradient row r by the count of r in indices: scale_grad_by_freq
    as documented. torch 1.13's CPU embedding_bag divides some rows by another
    row's count (pytorch/pytorch#190063, fixed by #190264), so the cases with it
    run without the flag and scale the gradient with this hook instead."""
    counts = torch.bincount(torch.tensor(indices).reshape(-1), minlength=w.shape[0]).clamp(min=1).to(w.dtype)
    w.register_hook(lambda g: g / counts[:, None])
    return w


def bag(name, indices, weights=None, renorm=False, **kw):
    shapes = {"weight": (6, 3)}
    if weights:
        shapes["per_sample_weights"] = weights
    params = dict(kw, indices=indices)
    freq = kw.pop("scale_grad_by_freq", False)
    case(name, "embedding_bag", params, shapes,
         lambda i: F.embedding_bag(torch.tensor(indices), by_freq(i["weight"], indices) if freq else i["weight"],
                                   **{k: (torch.tensor(v) if k == "offsets" else v) for k, v in kw.items()},
                                   per_sample_weights=i.get("per_sample_weights")),
         grads=list(shapes), buffers=("weight",) if renorm else ())


bag("bag_sum_2d", IDX2, mode="sum")
bag("bag_mean_2d", IDX2, mode="mean")
bag("bag_max_2d", IDX2, mode="max")
bag("bag_mean_offsets_empty", IDX1, offsets=[0, 3, 3, 6], mode="mean")
bag("bag_max_padding", IDX1, offsets=[0, 2, 5], mode="max", padding_idx=4)
bag("bag_mean_padding", IDX1, offsets=[0, 2, 5, 6], mode="mean", padding_idx=4)
bag("bag_sum_weights_padding", IDX1, weights=(9,), offsets=[0, 4, 7], mode="sum", padding_idx=2)
bag("bag_sum_weights_2d", IDX2, weights=(3, 4), mode="sum")
bag("bag_mean_freq_padding", IDX1, offsets=[0, 4, 7], mode="mean", padding_idx=2, scale_grad_by_freq=True)
bag("bag_sum_weights_freq", IDX1, weights=(9,), offsets=[0, 4, 7], mode="sum", scale_grad_by_freq=True)
bag("bag_include_last", IDX1, offsets=[0, 3, 6, 9], mode="sum", include_last_offset=True)


EIDX = [[1, 3, 3], [0, 5, 1]]
case("embedding_max_norm", "embedding_max_norm", {"indices": EIDX, "max_norm": 1.2, "norm_type": 2.0}, {"weight": (6, 3)},
     lambda i: F.embedding(torch.tensor(EIDX), i["weight"], max_norm=1.2), grads=["weight"], buffers=("weight",))
case("embedding_max_norm_p1", "embedding_max_norm", {"indices": EIDX, "max_norm": 1.5, "norm_type": 1.0}, {"weight": (6, 3)},
     lambda i: F.embedding(torch.tensor(EIDX), i["weight"], max_norm=1.5, norm_type=1.0), grads=["weight"], buffers=("weight",))
bag("bag_max_norm", IDX2, renorm=True, mode="sum", max_norm=1.0)


def main():
    with open(os.path.join(HERE, "layers_more.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": gen_layers.encode(CASES)}, f)


if __name__ == "__main__":
    main()
