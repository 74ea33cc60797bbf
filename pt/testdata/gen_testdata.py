"""Writes the torch.save files and golden values that pt's tests read.

Run with Debian's python3-torch (PyTorch 1.13), from the repository root:

    /usr/bin/python3 pt/testdata/gen_testdata.py

It writes, in pt/testdata/:
  dtypes.pt, dtypes_legacy.pt   one tensor of every storage type, a transposed
                                (non-contiguous) tensor, views of one shared
                                storage with offsets, a Parameter, a 0-d and an
                                empty tensor; zip and legacy formats
  dtypes.json                   their shapes, dtypes and values (as float32/
                                float64/int64 values, which gograd loads)
  digits_mlp.pt                 a 64-32-10 MLP trained on the digits of
                                examples/digits (state_dict)
  digits_checkpoint.pt          {"model": state_dict, "optimizer":
                                opt.state_dict(), "epoch": 10}
  digits.json                   the held-out images' logits under that model
  evil.pt                       a pickle that names os.system (never run)
  whole_model.pt                torch.save(model): a pickled module, not a state dict
"""
import collections
import csv
import gzip
import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def out(name):
    return os.path.join(HERE, name)


def dtypes():
    g = torch.Generator().manual_seed(1)
    base = torch.randn(3, 4, generator=g)
    sd = collections.OrderedDict()
    sd["f32"] = torch.randn(2, 3, generator=g)
    sd["f64"] = torch.randn(2, 3, generator=g, dtype=torch.float64)
    sd["f16"] = (torch.randn(5, generator=g) * 100).half()
    sd["bf16"] = (torch.randn(5, generator=g) * 1e30).bfloat16()
    sd["i64"] = torch.tensor([-(2**62), -1, 0, 1, 2**62 + 7])
    sd["i32"] = torch.tensor([-(2**31), -1, 0, 2**31 - 1], dtype=torch.int32)
    sd["i16"] = torch.tensor([-(2**15), -1, 2**15 - 1], dtype=torch.int16)
    sd["i8"] = torch.tensor([-128, -1, 127], dtype=torch.int8)
    sd["u8"] = torch.tensor([0, 1, 255], dtype=torch.uint8)
    sd["bool"] = torch.tensor([True, False, True])
    sd["transposed"] = torch.randn(3, 2, generator=g).t()  # strides (1, 2)
    sd["shared"] = base
    sd["shared_row"] = base[1]  # offset 4
    sd["shared_col"] = base[:, 2]  # offset 2, stride 4
    sd["shared_f16_tail"] = base.half()[1:, 1:]  # offset 5 into its own storage
    sd["param"] = torch.nn.Parameter(torch.randn(2, generator=g))
    sd["scalar"] = torch.tensor(3.5)
    sd["empty"] = torch.zeros(0, 3)
    assert not sd["transposed"].is_contiguous()
    assert sd["shared_row"].storage().data_ptr() == base.storage().data_ptr()
    torch.save(sd, out("dtypes.pt"))
    torch.save(sd, out("dtypes_legacy.pt"), _use_new_zipfile_serialization=False)
    want = {}
    for k, t in sd.items():
        t = t.detach()
        kind = {torch.float64: "float64", torch.float32: "float32", torch.float16: "float32",
                torch.bfloat16: "float32"}.get(t.dtype, "int64")
        vals = t.double() if kind != "int64" else t.long()
        want[k] = {"shape": list(t.shape), "dtype": kind, "values": vals.flatten().tolist()}
    with open(out("dtypes.json"), "w") as f:
        json.dump(want, f, indent=1)


def digits():
    with gzip.open(os.path.join(ROOT, "examples/digits/digits.csv.gz"), "rt") as f:
        rows = [[int(v) for v in r] for r in csv.reader(f)]
    x = torch.tensor([r[:64] for r in rows], dtype=torch.float32) / 16
    y = torch.tensor([r[64] for r in rows])
    xtr, ytr, xte = x[:1500], y[:1500], x[1500:]
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for epoch in range(10):
        for i in range(0, 1500, 50):
            loss = torch.nn.functional.cross_entropy(model(xtr[i:i + 50]), ytr[i:i + 50])
            opt.zero_grad()
            loss.backward()
            opt.step()
    torch.save(model.state_dict(), out("digits_mlp.pt"))
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 10},
               out("digits_checkpoint.pt"))
    with torch.no_grad():
        logits = model(xte)
    acc = (logits.argmax(1) == y[1500:]).float().mean().item()
    with open(out("digits.json"), "w") as f:
        json.dump({"first_test_row": 1500, "accuracy": acc,
                   "logits": logits.tolist()}, f)
    print("digits: held-out accuracy %.4f" % acc)


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def evil():
    torch.save({"w": torch.zeros(1), "x": Evil()}, out("evil.pt"))
    torch.manual_seed(0)
    torch.save(torch.nn.Sequential(torch.nn.Linear(2, 2)), out("whole_model.pt"))


if __name__ == "__main__":
    print(torch.__version__)
    dtypes()
    digits()
    evil()
