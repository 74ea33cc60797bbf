#!/usr/bin/python3
"""Writes extra.json: torch 1.13's forward values, every gradient and grad_fn
names of the composed nn/functional ops of nn/functional/extra.go (instance norm,
RMS norm, pixel (un)shuffle, normalize, cosine similarity, pairwise distance,
bilinear, max/avg pool1d), for nn/functional's TestExtraGolden (extra_test.go).

Run from anywhere with Debian's python3-torch:
    /usr/bin/python3 nn/testdata/gen_extra.py

The format is layers.json's (gen_layers.py): inputs drawn in float64 from a
torch.Generator seeded per case and stored, the float32 run on the same values
rounded; the upstream gradient is that of (out * c).sum() with c stored. An op
name, CamelCased, names the Go function ("rms_norm" is RMSNorm: the lower-cased Go name without underscores).

torch 1.13 has no rms_norm (it came in 2.4): its cases compute PyTorch 2.4's
definition, x * rsqrt(mean(x^2) + eps) * weight, from torch ops.
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


def instance_norm(name, x, training=True, affine=False, track=False, momentum=0.1, eps=1e-5):
    c = x[1]
    shapes, buffers = {"x": x}, ()
    if track:
        shapes["running_mean"], shapes["running_var"] = (c,), (c,)
        buffers = ("running_mean", "running_var")
    if affine:
        shapes["weight"], shapes["bias"] = (c,), (c,)
    case(name, "instance_norm", dict(training=training, momentum=momentum, eps=eps), shapes,
         lambda i: F.instance_norm(i["x"], i.get("running_mean"), i.get("running_var"), i.get("weight"), i.get("bias"),
                                   use_input_stats=training, momentum=momentum, eps=eps),
         buffers=buffers, positive=("running_var",))


instance_norm("instance_norm1d", (3, 4, 6))
instance_norm("instance_norm2d_affine", (2, 3, 4, 5), affine=True, eps=1e-3)
instance_norm("instance_norm2d_track", (4, 3, 3, 4), affine=True, track=True, momentum=0.3)
instance_norm("instance_norm1d_eval", (2, 3, 5), training=False, affine=True, track=True)


def rms_norm(x, shape, weight, eps):
    dims = tuple(range(x.dim() - len(shape), x.dim()))
    y = x * torch.rsqrt(x.pow(2).mean(dims, keepdim=True) + eps)
    return y * weight if weight is not None else y


case("rms_norm_weight", "rms_norm", {"normalized_shape": [5], "eps": 1e-6}, {"x": (3, 4, 5), "weight": (5,)},
     lambda i: rms_norm(i["x"], [5], i["weight"], 1e-6))
case("rms_norm_2d", "rms_norm", {"normalized_shape": [3, 4], "eps": 1e-5}, {"x": (2, 3, 4)},
     lambda i: rms_norm(i["x"], [3, 4], None, 1e-5))
case("pixel_shuffle", "pixel_shuffle", {"factor": 2}, {"x": (2, 8, 3, 4)}, lambda i: F.pixel_shuffle(i["x"], 2))
case("pixel_shuffle_3d", "pixel_shuffle", {"factor": 3}, {"x": (9, 2, 3)}, lambda i: F.pixel_shuffle(i["x"], 3))
case("pixel_unshuffle", "pixel_unshuffle", {"factor": 2}, {"x": (2, 3, 4, 6)}, lambda i: F.pixel_unshuffle(i["x"], 2))
case("normalize", "normalize", {"p": 2.0, "dim": 1, "eps": 1e-12}, {"x": (3, 5, 2)},
     lambda i: F.normalize(i["x"], 2.0, 1, 1e-12))
case("normalize_p1_last", "normalize", {"p": 1.0, "dim": -1, "eps": 1e-12}, {"x": (4, 6)},
     lambda i: F.normalize(i["x"], 1.0, -1, 1e-12))
case("cosine_similarity", "cosine_similarity", {"dim": 1, "eps": 1e-8}, {"x1": (4, 6), "x2": (4, 6)},
     lambda i: F.cosine_similarity(i["x1"], i["x2"], 1, 1e-8))
case("cosine_similarity_broadcast", "cosine_similarity", {"dim": -1, "eps": 1e-8}, {"x1": (3, 1, 5), "x2": (4, 5)},
     lambda i: F.cosine_similarity(i["x1"], i["x2"], -1, 1e-8))
case("pairwise_distance", "pairwise_distance", {"p": 2.0, "eps": 1e-6, "keepdim": False}, {"x1": (5, 4), "x2": (5, 4)},
     lambda i: F.pairwise_distance(i["x1"], i["x2"], 2.0, 1e-6, False))
case("pairwise_distance_p3_keepdim", "pairwise_distance", {"p": 3.0, "eps": 1e-6, "keepdim": True},
     {"x1": (2, 3, 4), "x2": (2, 3, 4)}, lambda i: F.pairwise_distance(i["x1"], i["x2"], 3.0, 1e-6, True))
case("bilinear", "bilinear", {}, {"x1": (5, 3), "x2": (5, 4), "weight": (2, 3, 4), "bias": (2,)},
     lambda i: F.bilinear(i["x1"], i["x2"], i["weight"], i["bias"]))
case("bilinear_nobias_3d", "bilinear", {}, {"x1": (2, 3, 4), "x2": (2, 3, 2), "weight": (3, 4, 2)},
     lambda i: F.bilinear(i["x1"], i["x2"], i["weight"], None))

case("max_pool1d", "max_pool1d", {"kernel_size": 3, "stride": 2, "padding": 1}, {"x": (2, 3, 9)},
     lambda i: F.max_pool1d(i["x"], 3, 2, 1))
case("max_pool1d_ceil_dilation", "max_pool1d", {"kernel_size": 2, "stride": 2, "dilation": 2, "ceil_mode": True},
     {"x": (3, 10)}, lambda i: F.max_pool1d(i["x"], 2, 2, 0, 2, ceil_mode=True))
case("avg_pool1d", "avg_pool1d", {"kernel_size": 2}, {"x": (2, 3, 7)}, lambda i: F.avg_pool1d(i["x"], 2))
case("avg_pool1d_pad_exclude", "avg_pool1d", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                                              "count_include_pad": False},
     {"x": (2, 2, 8)}, lambda i: F.avg_pool1d(i["x"], 3, 2, 1, ceil_mode=True, count_include_pad=False))


def main():
    with open(os.path.join(HERE, "extra.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": gen_layers.encode(CASES)}, f)


if __name__ == "__main__":
    main()
