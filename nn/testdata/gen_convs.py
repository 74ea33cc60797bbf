#!/usr/bin/python3
"""Writes convs.json: torch 1.13's forward values, every gradient and grad_fn
names of conv3d, conv_transpose1d/2d/3d, unfold/fold, adaptive max pooling and
convolutions after a padding mode (reflect, replicate, circular: what
nn.Conv2d's padding_mode runs), plus double-backward cases, for nn/functional's
TestConvsGolden (convs_test.go) and nn's TestConvPaddingModeGolden.

Run from anywhere with Debian's python3-torch:
    /usr/bin/python3 nn/testdata/gen_convs.py

The format is layers.json's (gen_layers.py): inputs drawn in float64 from a
torch.Generator seeded per case and stored, the float32 run on the same values
rounded; the upstream gradient is that of (out * c).sum() with c stored.

A double-backward case ("gg_" + op) takes the first op's upstream gradient as an
input "up" and returns L = sum over `wrt` of the squared first gradients,
  gs = torch.autograd.grad((op(inputs) * up).sum(), wrt, create_graph=True),
  L  = sum(g.square().sum() for g in gs),
so that L's gradients (recorded here) run the op's backward differentiated once
more, in each of its inputs and in the upstream gradient.
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


def conv(name, op, x, w, bias=True, **kw):
    shapes = {"x": x, "weight": w}
    fn = getattr(F, op)
    if bias:
        shapes["bias"] = (w[1] * kw.get("groups", 1) if op.startswith("conv_transpose") else w[0],)
    case(name, op, kw, shapes, lambda i, fn=fn, kw=kw: fn(i["x"], i["weight"], i.get("bias"), **kw))


conv("conv_transpose1d_basic", "conv_transpose1d", (2, 3, 6), (3, 4, 3))
conv("conv_transpose1d_stride_outpad", "conv_transpose1d", (2, 4, 5), (4, 3, 4), stride=3, padding=1, output_padding=2,
     groups=2)
conv("conv_transpose1d_dilation_nobias", "conv_transpose1d", (1, 2, 7), (2, 3, 3), bias=False, dilation=2, padding=2)
conv("conv_transpose2d_basic", "conv_transpose2d", (2, 3, 4, 5), (3, 2, 3, 3))
conv("conv_transpose2d_stride_pad_outpad", "conv_transpose2d", (2, 2, 4, 3), (2, 3, 3, 2), stride=2, padding=1,
     output_padding=1)
conv("conv_transpose2d_groups_dilation", "conv_transpose2d", (2, 4, 3, 4), (4, 1, 2, 3), groups=2, dilation=(2, 1),
     stride=(1, 2), padding=(1, 0), output_padding=(1, 1))
conv("conv_transpose2d_nobias", "conv_transpose2d", (1, 3, 5, 5), (3, 2, 4, 4), bias=False, stride=2, padding=2)
conv("conv_transpose3d", "conv_transpose3d", (2, 2, 3, 3, 2), (2, 3, 2, 2, 3), stride=(2, 1, 2), padding=(0, 1, 1),
     output_padding=(1, 0, 1))
conv("conv3d_basic", "conv3d", (2, 2, 4, 3, 4), (3, 2, 3, 2, 3))
conv("conv3d_stride_pad_dilation", "conv3d", (1, 2, 6, 7, 5), (3, 2, 2, 3, 2), stride=(2, 1, 2), padding=(1, 2, 0),
     dilation=(2, 1, 2))
conv("conv3d_groups_nobias", "conv3d", (1, 4, 3, 3, 2), (4, 2, 2, 2, 2), bias=False, groups=2, padding=1)
conv("conv3d_same", "conv3d", (1, 2, 4, 5, 3), (2, 2, 2, 3, 2), padding="same")


def unfold(name, x, **kw):
    case(name, "unfold", kw, {"x": x}, lambda i: F.unfold(i["x"], **kw))


def fold(name, x, **kw):
    case(name, "fold", kw, {"x": x}, lambda i: F.fold(i["x"], **kw))


unfold("unfold_basic", (2, 3, 5, 4), kernel_size=2)
unfold("unfold_pad_stride_dilation", (2, 2, 7, 6), kernel_size=(3, 2), padding=(1, 2), stride=(2, 3), dilation=(2, 1))
unfold("unfold_unbatched", (3, 4, 4), kernel_size=3, padding=1)
fold("fold_basic", (2, 12, 12), output_size=(4, 5), kernel_size=2)
fold("fold_pad_stride_dilation", (1, 12, 6), output_size=(6, 5), kernel_size=(2, 3), padding=1, stride=(2, 3),
     dilation=(2, 1))


def pool(name, op, x, **kw):
    case(name, op, kw, {"x": x}, lambda i: getattr(F, op)(i["x"], **kw))


pool("adaptive_max_pool2d", "adaptive_max_pool2d", (2, 3, 7, 5), output_size=(3, 2))
pool("adaptive_max_pool2d_up", "adaptive_max_pool2d", (1, 2, 3, 4), output_size=(5, 6))
pool("adaptive_max_pool2d_3d", "adaptive_max_pool2d", (3, 6, 6), output_size=4)
pool("adaptive_max_pool1d", "adaptive_max_pool1d", (2, 3, 10), output_size=4)
case("adaptive_max_pool2d_with_indices", "adaptive_max_pool2d_with_indices", {"output_size": [2, 3]}, {"x": (2, 2, 5, 7)},
     lambda i: F.adaptive_max_pool2d(i["x"], (2, 3), return_indices=True)[0])


def padded(name, dim, mode, x, w, padding, **kw):
    """What nn.Conv{dim}d(padding_mode=mode) runs: F.pad by the padding
    (reversed, each twice; for "same" the dilated kernel's extent less one, split
    with the extra one after), then the convolution without padding."""
    fn = getattr(F, f"conv{dim}d")
    pads = []
    if padding == "same":
        dil = kw.get("dilation", (1,) * dim)
        for d, k in reversed(list(zip(dil, w[2:]))):
            total = d * (k - 1)
            pads += [total // 2, total - total // 2]
    else:
        for p in reversed(padding):
            pads += [p, p]
    params = dict(kw, padding_mode=mode, padding=padding if padding == "same" else list(padding))
    case(name, f"conv{dim}d_padded", params, {"x": x, "weight": w, "bias": (w[0],)},
         lambda i: fn(F.pad(i["x"], pads, mode=mode), i["weight"], i["bias"], **kw))


padded("conv2d_reflect", 2, "reflect", (2, 2, 5, 6), (3, 2, 3, 3), (1, 2))
padded("conv2d_replicate", 2, "replicate", (2, 2, 5, 4), (3, 2, 3, 2), (2, 1), stride=2)
padded("conv2d_circular", 2, "circular", (1, 3, 4, 5), (2, 3, 3, 3), (1, 1), dilation=(1, 2))
padded("conv1d_reflect", 1, "reflect", (2, 3, 7), (2, 3, 3), (2,), stride=2)
padded("conv1d_circular", 1, "circular", (2, 2, 6), (3, 2, 4), (3,))
padded("conv3d_replicate", 3, "replicate", (1, 2, 3, 4, 3), (2, 2, 2, 2, 2), (1, 1, 1))
padded("conv2d_same_reflect", 2, "reflect", (2, 2, 5, 6), (3, 2, 4, 3), "same", dilation=(1, 2))


# Double backward: see the module doc.
GG_GRAD_FNS = {}


def gg(name, op, params, shapes, fn, wrt, positive=(), grads=None, names_wrt=None, names=True):
    """names_wrt (default wrt) are the inputs whose first gradients' grad_fn
    names are recorded: wrt plus those, such as a bias, that L does not
    depend on; none with names False."""
    names_wrt = names_wrt or wrt
    def run(i):
        for k in wrt:  # an input L does not depend on is not in grads, yet differentiated once
            i[k].requires_grad_(True)
        y = fn(i)
        gs = torch.autograd.grad((y * i["up"]).sum(), [i[k] for k in wrt], create_graph=True)
        total = gs[0].square().sum()
        for g in gs[1:]:
            total = total + g.square().sum()
        return total
    ins = {k: (torch.zeros(s, dtype=torch.float64) + (1 if k in positive else 0)).requires_grad_(k in names_wrt)
           for k, s in shapes.items()}
    out = fn(ins)
    # The grad_fn names of the first gradients, taken with create_graph=True:
    # the nodes of the op's double backward.
    up = torch.ones_like(out).requires_grad_(True)
    gs = torch.autograd.grad((out * up).sum(), [ins[k] for k in names_wrt], create_graph=True)
    if names:
        GG_GRAD_FNS[name] = {"wrt": names_wrt, "names": [g.grad_fn.name() for g in gs]}
    shapes = dict(shapes, up=tuple(out.shape))
    grads = grads or [k for k in shapes if k in wrt or k == "up" or k == "x"]
    case(name, "gg_" + op, dict(params, wrt=wrt), shapes, run, grads=grads, positive=positive)


gg("gg_conv2d", "conv2d", {"stride": 2, "padding": 1}, {"x": (2, 3, 5, 6), "weight": (4, 3, 3, 3), "bias": (4,)},
   lambda i: F.conv2d(i["x"], i["weight"], i["bias"], stride=2, padding=1), ["x", "weight"])
gg("gg_conv_transpose2d", "conv_transpose2d", {"stride": 2, "output_padding": 1, "groups": 2},
   {"x": (2, 4, 3, 3), "weight": (4, 1, 2, 3)},
   lambda i: F.conv_transpose2d(i["x"], i["weight"], stride=2, output_padding=1, groups=2), ["x", "weight"])
gg("gg_max_pool2d", "max_pool2d", {"kernel_size": 3, "stride": 2, "padding": 1}, {"x": (2, 2, 6, 7)},
   lambda i: F.max_pool2d(i["x"], 3, 2, 1), ["x"])
gg("gg_avg_pool2d", "avg_pool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
   {"x": (2, 2, 6, 7)},
   lambda i: F.avg_pool2d(i["x"], 3, 2, 1, count_include_pad=False), ["x"])
gg("gg_batch_norm_train", "batch_norm", {"training": True, "eps": 1e-5},
   {"x": (4, 3, 3, 2), "weight": (3,), "bias": (3,)},
   lambda i: F.batch_norm(i["x"], None, None, i["weight"], i["bias"], training=True, eps=1e-5), ["x", "weight"])
gg("gg_batch_norm_eval", "batch_norm", {"training": False, "eps": 1e-5},
   {"x": (4, 3, 3), "running_mean": (3,), "running_var": (3,), "weight": (3,), "bias": (3,)},
   lambda i: F.batch_norm(i["x"], i["running_mean"], i["running_var"], i["weight"], i["bias"], training=False, eps=1e-5),
   ["x", "weight"], positive=("running_var",))
gg("gg_layer_norm", "layer_norm", {"normalized_shape": [3, 4], "eps": 1e-5},
   {"x": (2, 3, 4), "weight": (3, 4), "bias": (3, 4)},
   lambda i: F.layer_norm(i["x"], [3, 4], i["weight"], i["bias"], 1e-5), ["x", "weight"])
gg("gg_group_norm", "group_norm", {"num_groups": 2, "eps": 1e-5},
   {"x": (2, 4, 3, 2), "weight": (4,), "bias": (4,)},
   lambda i: F.group_norm(i["x"], 2, i["weight"], i["bias"], 1e-5), ["x", "weight"])



def cnn(i):
    """A critic's layers, for a WGAN-GP-style gradient penalty: conv, batch
    norm (training), ReLU, max pooling, a strided convolution, average pooling."""
    h = F.conv2d(i["x"], i["w1"], i["b1"], padding=1)
    h = F.batch_norm(h, None, None, i["bn_w"], i["bn_b"], training=True)
    h = F.max_pool2d(F.relu(h), 2)
    h = F.conv2d(h, i["w2"], None, stride=2, padding=1)
    return F.adaptive_avg_pool2d(h, 1)


# The penalty ||d critic / dx||² differentiated in the critic's parameters.
gg("gg_cnn_penalty", "cnn", {}, {"x": (3, 2, 6, 6), "w1": (4, 2, 3, 3), "b1": (4,), "bn_w": (4,), "bn_b": (4,),
                                 "w2": (3, 4, 3, 3)},
   cnn, ["x"], grads=["x", "w1", "b1", "bn_w", "bn_b", "w2", "up"])


# Unbatched inputs (C, spatial...), which PyTorch's convolutions take (their
# result's grad_fn is SqueezeBackward1), here and after a padding mode.
conv("conv1d_unbatched", "conv1d", (3, 8), (2, 3, 3), stride=2, padding=1)
conv("conv2d_unbatched", "conv2d", (2, 5, 6), (3, 2, 3, 2), padding=(1, 0))
conv("conv3d_unbatched", "conv3d", (2, 4, 3, 4), (3, 2, 2, 2, 3), stride=(1, 2, 1))
conv("conv_transpose1d_unbatched", "conv_transpose1d", (3, 5), (3, 2, 3), stride=2)
conv("conv_transpose2d_unbatched", "conv_transpose2d", (2, 3, 4), (2, 3, 3, 2), stride=2, padding=1, output_padding=1)
conv("conv_transpose3d_unbatched", "conv_transpose3d", (2, 2, 3, 2), (2, 2, 2, 2, 2), stride=(2, 1, 1))
padded("conv2d_reflect_unbatched", 2, "reflect", (2, 5, 6), (3, 2, 3, 3), (1, 2))


# More double-backward cases, pinning the grad_fn names of the first gradients
# (ConvolutionBackwardBackward0 for input, weight and bias, the poolings'
# *BackwardBackward0, SqueezeBackward1 through a 1-d pooling's unsqueeze).
gg("gg_conv1d", "conv1d", {"stride": 2, "padding": 1}, {"x": (2, 3, 7), "weight": (2, 3, 3), "bias": (2,)},
   lambda i: F.conv1d(i["x"], i["weight"], i["bias"], stride=2, padding=1), ["x", "weight"],
   names_wrt=["x", "weight", "bias"])
gg("gg_conv3d", "conv3d", {"padding": 1}, {"x": (1, 2, 3, 3, 2), "weight": (2, 2, 2, 2, 2), "bias": (2,)},
   lambda i: F.conv3d(i["x"], i["weight"], i["bias"], padding=1), ["x", "weight"],
   names_wrt=["x", "weight", "bias"])
gg("gg_conv2d_unbatched", "conv2d", {}, {"x": (2, 4, 4), "weight": (3, 2, 2, 2)},
   lambda i: F.conv2d(i["x"], i["weight"]), ["x", "weight"])
gg("gg_adaptive_avg_pool2d", "adaptive_avg_pool2d", {"output_size": [2, 3]}, {"x": (2, 2, 5, 4)},
   lambda i: F.adaptive_avg_pool2d(i["x"], (2, 3)), ["x"])
gg("gg_adaptive_max_pool2d", "adaptive_max_pool2d", {"output_size": [2, 2]}, {"x": (2, 2, 5, 4)},
   lambda i: F.adaptive_max_pool2d(i["x"], (2, 2)), ["x"])
gg("gg_max_pool1d", "max_pool1d", {"kernel_size": 3, "stride": 2}, {"x": (2, 2, 9)},
   lambda i: F.max_pool1d(i["x"], 3, 2), ["x"])
gg("gg_avg_pool1d", "avg_pool1d", {"kernel_size": 2}, {"x": (2, 3, 6)},
   lambda i: F.avg_pool1d(i["x"], 2), ["x"])
gg("gg_layer_norm_bias", "layer_norm", {"normalized_shape": [4], "eps": 1e-5},
   {"x": (3, 4), "weight": (4,), "bias": (4,)},
   lambda i: F.layer_norm(i["x"], [4], i["weight"], i["bias"], 1e-5), ["x", "weight"],
   names_wrt=["x", "weight", "bias"])
gg("gg_batch_norm_bias", "batch_norm", {"training": True, "eps": 1e-5},
   {"x": (4, 2, 3), "weight": (2,), "bias": (2,)},
   lambda i: F.batch_norm(i["x"], None, None, i["weight"], i["bias"], training=True, eps=1e-5), ["x", "weight"],
   names_wrt=["x", "weight", "bias"])


# GELU and Embedding differentiated twice. L does not depend on the embedding's
# weight (its gradient is linear in the upstream one): only "up" gets one.
gg("gg_gelu", "gelu", {"approximate": "none"}, {"x": (3, 5)}, lambda i: F.gelu(i["x"]), ["x"])
gg("gg_gelu_tanh", "gelu", {"approximate": "tanh"}, {"x": (3, 5)}, lambda i: F.gelu(i["x"], approximate="tanh"), ["x"])
EIDX = [[1, 0, 3, 3], [4, 1, 0, 2]]
gg("gg_embedding_padding", "embedding", {"indices": EIDX, "padding_idx": 3}, {"weight": (5, 4)},
   lambda i: F.embedding(torch.tensor(EIDX), i["weight"], padding_idx=3), ["weight"], grads=["up"])
case("embedding_freq", "embedding_with_options", {"indices": EIDX, "padding_idx": -1, "scale_grad_by_freq": True},
     {"weight": (5, 4)}, lambda i: F.embedding(torch.tensor(EIDX), i["weight"], scale_grad_by_freq=True))
case("embedding_freq_padding", "embedding_with_options", {"indices": EIDX, "padding_idx": 1, "scale_grad_by_freq": True},
     {"weight": (5, 4)}, lambda i: F.embedding(torch.tensor(EIDX), i["weight"], padding_idx=1, scale_grad_by_freq=True))


def by_freq(w, indices):
    """w with its gradient's row r divided by the count of r in indices, by
    recorded ops (a tensor hook does not run in autograd.grad):
    scale_grad_by_freq as documented, also in the second derivative, which
    torch 1.13's embedding_dense_double_backward computes without the scaling."""
    counts = torch.bincount(torch.tensor(indices).reshape(-1), minlength=w.shape[0]).clamp(min=1).to(w.dtype)
    scaled = w / counts[:, None]
    return scaled + (w - scaled).detach()


gg("gg_embedding_freq", "embedding_with_options", {"indices": EIDX, "padding_idx": 1, "scale_grad_by_freq": True}, {"weight": (5, 4)},
   lambda i: F.embedding(torch.tensor(EIDX), by_freq(i["weight"], EIDX), padding_idx=1),
   ["weight"], grads=["up"], names=False)


# instance_norm: batch_norm on the input viewed as (1, N*C, ...) with weight and bias
# repeated, so its first gradients are ReshapeAliasBackward0 (x) and SumBackward1
# (the repeated weight and bias).
gg("gg_instance_norm", "instance_norm", {"training": True, "momentum": 0.1, "eps": 1e-5},
   {"x": (2, 3, 4), "weight": (3,), "bias": (3,)},
   lambda i: F.instance_norm(i["x"], None, None, i["weight"], i["bias"], use_input_stats=True, eps=1e-5),
   ["x", "weight"], names_wrt=["x", "weight", "bias"])
gg("gg_instance_norm_plain", "instance_norm", {"training": True, "momentum": 0.1, "eps": 1e-3},
   {"x": (2, 2, 3, 2)},
   lambda i: F.instance_norm(i["x"], eps=1e-3), ["x"])
gg("gg_instance_norm_eval", "instance_norm", {"training": False, "momentum": 0.1, "eps": 1e-5},
   {"x": (2, 3, 4), "running_mean": (3,), "running_var": (3,), "weight": (3,), "bias": (3,)},
   lambda i: F.instance_norm(i["x"], i["running_mean"], i["running_var"], i["weight"], i["bias"],
                             use_input_stats=False, eps=1e-5),
   ["x", "weight"], positive=("running_var",), names_wrt=["x", "weight", "bias"])


def main():
    cases = gen_layers.encode(CASES)
    for c in cases:  # adaptive max pooling's indices, as return_indices=True gives them
        if c["op"].startswith("adaptive_max_pool2d"):
            x = torch.tensor(c["inputs"]["x"]["data"], dtype=torch.float64).reshape(c["inputs"]["x"]["shape"])
            for dt in ("float32", "float64"):
                _, ix = F.adaptive_max_pool2d(x.to(getattr(torch, dt)), c["params"]["output_size"], return_indices=True)
                c[dt]["indices"] = gen_layers.flat(ix)
    for c in cases:
        if c["name"] in GG_GRAD_FNS:
            c["gg_grad_fns"] = GG_GRAD_FNS[c["name"]]  # {"wrt": [...], "names": [...]}
    with open(os.path.join(HERE, "convs.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f)


if __name__ == "__main__":
    main()
