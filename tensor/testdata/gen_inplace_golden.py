#!/usr/bin/python3
"""Writes inplace_golden.json: what PyTorch 1.13 says and computes for in-place
ops in the cases tensor/inplace_test.go pins.

Run from this directory with Debian's python3-torch:

    /usr/bin/python3 gen_inplace_golden.py

errors: for each case, PyTorch's error message up to its first sentence's end
(the Go message must contain it). Every case builds its tensors from fixed values,
as the Go test does.

results: values, versions and gradients after sequences of in-place ops that
PyTorch accepts.
"""

import json

import torch


def message(fn):
    try:
        fn()
    except RuntimeError as e:
        m = str(e).split(" Hint:")[0]
        m = m.split(". ")[0]
        return m.rstrip(".")
    raise AssertionError("no error")


def x3(dtype=torch.float32):
    return torch.tensor([1.0, 2.0, 3.0], dtype=dtype, requires_grad=True)


def saved_output():
    a = x3() * 1
    b = a.exp()
    b.add_(1)
    b.sum().backward()


def saved_output_f64():
    a = x3(torch.float64) * 1
    b = a.exp()
    b.add_(1)
    b.sum().backward()


def saved_constant():
    w = torch.ones(2, 2)
    y = torch.tensor([1.0, 2.0], requires_grad=True) * w
    w.add_(1)
    y.sum().backward()


def saved_input_through_view():
    a = x3() * 1
    b = a.sin()
    a[1:].mul_(2)
    b.sum().backward()


def result_of_inplace():
    y = (x3() * 1).exp_()
    y.add_(1)
    y.sum().backward()


def leaf():
    x3().add_(1)


def view_of_leaf():
    x3()[0:2].mul_(2)


def expanded():
    torch.zeros(3).expand(2, 3).add_(1)


def copy_into_leaf():
    x3().copy_(torch.zeros(3))


errors = {
    "saved_output": message(saved_output),
    "saved_output_f64": message(saved_output_f64),
    "saved_constant": message(saved_constant),
    "saved_input_through_view": message(saved_input_through_view),
    "result_of_inplace": message(result_of_inplace),
    "leaf": message(leaf),
    "view_of_leaf": message(view_of_leaf),
    "expanded": message(expanded),
    "copy_into_leaf": message(copy_into_leaf),
}

results = {}

# Modifying the input of exp, which saves its result, is fine.
x = x3()
a = x * 1
b = a.exp()
a.mul_(2)
b.sum().backward()
results["input_of_exp_modified"] = {"grad": x.grad.tolist(), "version": a._version}

# Versions: every in-place write bumps the counter shared by views.
base = torch.zeros(2, 3)
v = base[1]
v.add_(1)
base.mul_(2)
v.t_() if False else None
results["versions"] = {"base": base._version, "view": v._version, "values": base.reshape(-1).tolist()}

# Copy_ inside no_grad into a leaf that requires grad.
x = x3()
with torch.no_grad():
    x.copy_(torch.tensor([4.0, 5.0, 6.0]))
results["copy_no_grad"] = {"values": x.tolist(), "version": x._version, "is_leaf": x.is_leaf}

# History rebased through a view: the base's and the view's grad_fn.
x = x3()
y = x * 1
v = y[1:]
v.mul_(torch.tensor([2.0, 3.0]))
(y * torch.tensor([1.0, 10.0, 100.0])).sum().backward()
results["rebase"] = {
    "base_grad_fn": type(y.grad_fn).__name__,
    "view_grad_fn": type(v.grad_fn).__name__,
    "grad": x.grad.tolist(),
    "values": y.tolist(),
}

# A view made before another view of the same base was written in place: its
# grad_fn is regenerated from the base's new history, so its gradient sees the write.
x = x3()
y = x * 1
b = y[0:2]
a = y[0]
a.mul_(3)
(b * torch.tensor([1.0, 10.0])).sum().backward()
results["stale_view"] = {"grad": x.grad.tolist(), "grad_fn": type(b.grad_fn).__name__, "values": b.tolist()}

with open("inplace_golden.json", "w") as f:
    json.dump({"torch": torch.__version__, "errors": errors, "results": results}, f, indent=1)
    f.write("\n")
print(json.dumps(errors, indent=1))
