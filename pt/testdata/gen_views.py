#!/usr/bin/python3
"""Writes the files of pt's view and unsupported-tensor tests
(TestLoadViews, TestUnsupportedTensors in pt/views_test.go).

Run with Debian's python3-torch (PyTorch 1.13), from the repository root:

    /usr/bin/python3 pt/testdata/gen_views.py

It writes, in pt/testdata/:
  views.pt, views_legacy.pt  a state dict of views of two storages (rows,
                             columns, a transpose, blocks, steps, a diagonal,
                             an expansion with stride 0), zip and legacy formats
  views.json                 each tensor's shape, stride, storage offset,
                             storage (0 or 1) and values
  sparse.pt, sparse_csr.pt,  one sparse COO, sparse CSR, quantized and complex
  quantized.pt, complex.pt   tensor each, which gograd refuses by name
"""
import collections
import json
import os
import warnings

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def out(name):
    return os.path.join(HERE, name)


def views():
    g = torch.Generator().manual_seed(3)
    base = torch.randn(4, 6, generator=g)
    other = torch.randn(5, generator=g)
    sd = collections.OrderedDict()
    sd["base"] = base
    sd["row"] = base[2]
    sd["col"] = base[:, 3]
    sd["t"] = base.t()
    sd["block"] = base[1:3, 2:5]
    sd["step"] = base[::2, ::3]
    sd["diag"] = base.diagonal()
    sd["other_tail"] = other[1:]
    sd["expanded"] = other[:3].expand(2, 3)
    torch.save(sd, out("views.pt"))
    torch.save(sd, out("views_legacy.pt"), _use_new_zipfile_serialization=False)
    ptrs = [base.storage().data_ptr(), other.storage().data_ptr()]
    want = collections.OrderedDict()
    for k, t in sd.items():
        want[k] = {"shape": list(t.shape), "stride": list(t.stride()), "offset": t.storage_offset(),
                   "storage": ptrs.index(t.storage().data_ptr()), "values": t.flatten().tolist()}
    with open(out("views.json"), "w") as f:
        json.dump(want, f, indent=1)
        f.write("\n")


def unsupported():
    i = torch.tensor([[0, 1], [2, 0]])
    sp = torch.sparse_coo_tensor(i, torch.tensor([1.0, 2.0]), (3, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # CSR support is in beta
        csr = sp.to_dense().to_sparse_csr()
    torch.save({"w": sp}, out("sparse.pt"))
    torch.save({"w": csr}, out("sparse_csr.pt"))
    torch.save({"w": torch.quantize_per_tensor(torch.tensor([1.0, 2.0]), 0.1, 10, torch.quint8)}, out("quantized.pt"))
    torch.save({"w": torch.tensor([1 + 2j, 3 - 1j])}, out("complex.pt"))


if __name__ == "__main__":
    views()
    unsupported()
