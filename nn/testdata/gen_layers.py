#!/usr/bin/python3
"""Writes layers.json: torch 1.13's forward values, every gradient and grad_fn
names of the CNN functional ops (conv1d/2d, max/avg/adaptive pooling, batch norm),
for nn/functional's golden tests (nn/functional/golden_test.go), plus cnn_state.json
(a small CNN's state dict, an input and its eval-mode output) for nn's
TestLoadPyTorchCNN.

Run from anywhere with Debian's python3-torch:
    /usr/bin/python3 nn/testdata/gen_layers.py

Inputs are drawn in float64 from torch.Generator seeded per case and stored, so the
Go side loads them bit for bit; the float32 run uses the same values rounded to
float32. The upstream gradient is that of (out * c).sum() with c stored too.
Each case runs once per dtype; batch norm cases also record the running statistics
after the call.
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def randn(g, *shape):
    return torch.randn(*shape, generator=g, dtype=torch.float64)


def flat(t):
    return t.detach().reshape(-1).tolist()


# Each case: name, op (the Go side's switch key), params (passed to the Go op),
# inputs (name -> (tensor, requires_grad)), fn(inputs dict, dtype) -> out, and
# extra names of input tensors whose values after the call are recorded (buffers).
CASES = []


def case(name, op, params, shapes, fn, grads=None, buffers=(), seed=None, positive=()):
    g = torch.Generator().manual_seed(seed if seed is not None else len(CASES) + 1)
    inputs = {}
    for k, shape in shapes.items():
        t = randn(g, *shape)
        if k in positive:
            t = t.abs() + 0.5
        inputs[k] = t
    CASES.append(dict(name=name, op=op, params=params, inputs=inputs, fn=fn,
                      grads=grads if grads is not None else [k for k in shapes if k not in buffers],
                      buffers=list(buffers)))


def conv(name, x, w, bias=True, dim=2, **kw):
    shapes = {"x": x, "weight": w}
    if bias:
        shapes["bias"] = (w[0],)
    f = F.conv2d if dim == 2 else F.conv1d
    case(name, f"conv{dim}d", kw, shapes,
         lambda i, f=f, kw=kw: f(i["x"], i["weight"], i.get("bias"), **kw))


conv("conv2d_basic", (2, 3, 7, 6), (4, 3, 3, 3))
conv("conv2d_stride_pad", (2, 3, 7, 8), (4, 3, 3, 2), stride=(2, 1), padding=(1, 2))
conv("conv2d_dilation", (1, 2, 9, 9), (3, 2, 3, 3), dilation=2, padding=2, stride=(1, 2))
conv("conv2d_groups", (2, 4, 6, 6), (6, 2, 3, 3), bias=False, groups=2, stride=2, padding=1)
conv("conv2d_depthwise", (2, 3, 5, 5), (6, 1, 3, 3), groups=3, padding=1)
conv("conv2d_same", (2, 2, 6, 7), (3, 2, 4, 3), padding="same", dilation=(1, 2))
conv("conv2d_valid", (1, 2, 5, 5), (2, 2, 2, 2), padding="valid")
conv("conv2d_1x1", (3, 4, 3, 3), (5, 4, 1, 1))
conv("conv1d_basic", (2, 3, 10), (5, 3, 3), dim=1, stride=2, padding=1)
conv("conv1d_same_groups", (2, 4, 9), (4, 2, 4), dim=1, padding="same", groups=2, dilation=2)


def pool(name, op, fn, x, **kw):
    case(name, op, kw, {"x": x}, lambda i: fn(i["x"], **kw))


pool("max_pool2d_k2", "max_pool2d", F.max_pool2d, (2, 3, 6, 7), kernel_size=2)
pool("max_pool2d_ceil", "max_pool2d", F.max_pool2d, (2, 2, 7, 8), kernel_size=3, stride=2, padding=1, ceil_mode=True)
pool("max_pool2d_dilation", "max_pool2d", F.max_pool2d, (1, 2, 9, 8), kernel_size=(2, 3), stride=(2, 1), dilation=2)
pool("avg_pool2d_k2", "avg_pool2d", F.avg_pool2d, (2, 3, 6, 7), kernel_size=2)
pool("avg_pool2d_pad_include", "avg_pool2d", F.avg_pool2d, (2, 2, 7, 8), kernel_size=3, stride=2, padding=1, ceil_mode=True)
pool("avg_pool2d_pad_exclude", "avg_pool2d", F.avg_pool2d, (2, 2, 7, 8), kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
pool("adaptive_avg_pool2d", "adaptive_avg_pool2d", F.adaptive_avg_pool2d, (2, 3, 7, 5), output_size=(3, 2))
pool("adaptive_avg_pool2d_up", "adaptive_avg_pool2d", F.adaptive_avg_pool2d, (1, 2, 3, 4), output_size=(5, 6))


def bn(name, x, training, affine=True, momentum=0.1, eps=1e-5, track=True):
    c = x[1]
    shapes = {"x": x}
    buffers = ()
    if track:
        shapes["running_mean"] = (c,)
        shapes["running_var"] = (c,)
        buffers = ("running_mean", "running_var")
    if affine:
        shapes["weight"] = (c,)
        shapes["bias"] = (c,)
    params = dict(training=training, momentum=momentum, eps=eps)
    case(name, "batch_norm", params, shapes,
         lambda i: F.batch_norm(i["x"], i.get("running_mean"), i.get("running_var"), i.get("weight"), i.get("bias"),
                                training=training, momentum=momentum, eps=eps),
         buffers=buffers, positive=("running_var",))


bn("batch_norm2d_train", (4, 3, 5, 6), True)
bn("batch_norm2d_eval", (4, 3, 5, 6), False)
bn("batch_norm2d_train_noaffine", (3, 2, 4, 4), True, affine=False, momentum=0.3, eps=1e-3)
bn("batch_norm1d_train", (8, 5), True)
bn("batch_norm1d_3d_train", (4, 3, 7), True)
bn("batch_norm1d_eval", (6, 4), False, eps=1e-2)
bn("batch_norm2d_untracked", (4, 3, 3, 3), True, track=False)


case("group_norm_affine", "group_norm", {"num_groups": 2, "eps": 1e-5}, {"x": (3, 4, 5, 2), "weight": (4,), "bias": (4,)},
     lambda i: F.group_norm(i["x"], 2, i["weight"], i["bias"], 1e-5))
case("group_norm_noaffine", "group_norm", {"num_groups": 3, "eps": 1e-3}, {"x": (2, 6, 7)},
     lambda i: F.group_norm(i["x"], 3, None, None, 1e-3))
pool("max_pool1d", "max_pool1d", F.max_pool1d, (2, 3, 11), kernel_size=3, stride=2, padding=1, ceil_mode=True)
pool("max_pool1d_dilation", "max_pool1d", F.max_pool1d, (2, 3, 11), kernel_size=2, dilation=3)
pool("avg_pool1d_exclude", "avg_pool1d", F.avg_pool1d, (2, 3, 10), kernel_size=3, stride=2, padding=1, count_include_pad=False)
pool("avg_pool1d", "avg_pool1d", F.avg_pool1d, (3, 9), kernel_size=2)
pool("adaptive_avg_pool1d", "adaptive_avg_pool1d", F.adaptive_avg_pool1d, (2, 3, 10), output_size=4)


def run(c, dtype, cases=CASES):
    ins = {}
    for k, t in c["inputs"].items():
        t = t.to(dtype).clone()
        if k in c["grads"]:
            t.requires_grad_(True)
        ins[k] = t
    out = c["fn"](ins)
    g = torch.Generator().manual_seed(1000 + cases.index(c))
    up = torch.randn(out.shape, generator=g, dtype=torch.float64)
    (out * up.to(dtype)).sum().backward()
    return {
        "shape": list(out.shape),
        "out": flat(out),
        "grad_fn": type(out.grad_fn).__name__,
        "grads": {k: flat(ins[k].grad) for k in c["grads"]},
        "buffers": {k: flat(ins[k]) for k in c.get("buffers", ())},
        "indices": flat(F.max_pool2d(ins["x"], **c["params"], return_indices=True)[1]) if c["op"] == "max_pool2d" else None,
    }, up


def encode(cases_in):
    """Runs each case in float64 and float32 and returns them as the JSON's cases."""
    cases = []
    for c in cases_in:
        r64, up = run(c, torch.float64, cases_in)
        r32, _ = run(c, torch.float32, cases_in)
        cases.append({
            "name": c["name"], "op": c["op"], "params": c["params"],
            "inputs": {k: {"shape": list(t.shape), "data": flat(t)} for k, t in c["inputs"].items()},
            "grads": c["grads"], "upstream": flat(up), "float64": r64, "float32": r32,
        })
    return cases


def write(cases, name):
    """Runs cases in float64 and float32 and writes them to name in this folder."""
    with open(os.path.join(HERE, name), "w") as f:
        json.dump({"torch": torch.__version__, "cases": encode(cases)}, f)


def main():
    write(CASES, "layers.json")
    cnn_state()


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 6, 3), nn.BatchNorm2d(6), nn.ReLU(), nn.AdaptiveAvgPool2d((2, 2)))
        self.dropout = nn.Dropout(0.25)
        self.classifier = nn.Linear(24, 5)

    def forward(self, x):
        return self.classifier(self.dropout(torch.flatten(self.features(x), 1)))


def cnn_state():
    """A CNN trained a few SGD steps (so its running statistics are not the
    initial ones), then its state dict, an input and its output in eval mode."""
    torch.manual_seed(0)
    m = CNN().double()
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    m.train()
    for _ in range(3):
        x = torch.randn(8, 1, 10, 10, dtype=torch.float64)
        loss = m(x).square().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    m.eval()
    x = torch.randn(3, 1, 10, 10, dtype=torch.float64)
    opt.zero_grad()
    with torch.no_grad():
        y = m(x)
    enc = lambda sd: {k: {"shape": list(v.shape), "dtype": str(v.dtype).removeprefix("torch."), "data": flat(v)}
                      for k, v in sd.items()}
    sd = enc(m.state_dict())
    # Training mode with dropout off: batch statistics, and the running ones move.
    m.train()
    m.dropout.eval()
    y_train = m(x)
    y_train.sum().backward()
    grads = {k: flat(p.grad) for k, p in m.named_parameters()}
    with open(os.path.join(HERE, "cnn_state.json"), "w") as f:
        json.dump({"torch": torch.__version__, "state_dict": sd, "print": str(m),
                   "x": {"shape": list(x.shape), "data": flat(x)}, "y": {"shape": list(y.shape), "data": flat(y)},
                   "y_train": flat(y_train), "state_after_train": enc(m.state_dict()), "grads_train": grads}, f)


if __name__ == "__main__":
    main()
