# Generates functional.json: torch.autograd.functional results (PyTorch 1.13,
# float64) for the functions of functional_test.go. Run with /usr/bin/python3.
import json, torch
from torch.autograd import functional as AF

torch.manual_seed(0)
dt = torch.float64

def t(*shape):
    return torch.randn(shape, dtype=dt)

# functional_test.go has the same code. The first four also map a leading batch
# dimension row by row; the last two do not (full sums, a dot product, a
# softmax over dim 0), as a function vectorize lifts need not.
def two_in_two_out(a, b):  # a (2, 3), b (3)
    return ((a * b.unsqueeze(-2)).sum(-1).tanh(), a.pow(2).sum(-1) + b.sigmoid().sum(-1).unsqueeze(-1))

def one_unused(a, b):  # the outputs do not depend on b
    return (a.exp(),)

def cube(x):  # x (3)
    return (x.pow(3) * x.sin(),)

def scalar2(x, y):  # x (3), y (2) -> one value
    return (x.pow(3).sum(-1) * y.tanh().sum(-1),)

def plain(a, b):  # a (3), b (2, 3)
    return ((b @ a).softmax(0) * a.dot(a) + b.sum(),)

def plain_scalar(a, b):  # a (3), b (2, 3) -> one value
    return (a.dot(a) * b.sum() + (b @ a).tanh().sum(),)

def flat(out):
    return [o.detach().reshape(-1).tolist() for o in out]

def shapes(out):
    return [list(o.shape) for o in out]

cases = {
    "two_in_two_out": (two_in_two_out, [t(2, 3), t(3)]),
    "one_unused": (one_unused, [t(2), t(3)]),
    "cube": (cube, [t(3)]),
    "scalar2": (scalar2, [t(3), t(2)]),
}
cases["plain"] = (plain, [t(3), t(2, 3)])
cases["plain_scalar"] = (plain_scalar, [t(3), t(2, 3)])
out = {}
for name, (f, inputs) in cases.items():
    c = {"inputs": flat(inputs), "input_shapes": shapes(inputs)}
    outs = f(*inputs)
    c["output_shapes"] = shapes(outs)
    for vec in (False, True):
        jac = AF.jacobian(f, tuple(inputs), vectorize=vec)
        c["jacobian_vec" if vec else "jacobian"] = [flat(row) for row in jac]
    v_out = [t(*o.shape) for o in outs]
    v_in = [t(*i.shape) for i in inputs]
    c["v_out"], c["v_in"] = flat(v_out), flat(v_in)
    _, vjp = AF.vjp(f, tuple(inputs), tuple(v_out))
    c["vjp"] = flat(vjp)
    _, jvp = AF.jvp(f, tuple(inputs), tuple(v_in))
    c["jvp"] = flat(jvp)
    if outs[0].numel() == 1 and len(outs) == 1:
        g = lambda *x: f(*x)[0]
        for vec in (False, True):
            h = AF.hessian(g, tuple(inputs), vectorize=vec)
            c["hessian_vec" if vec else "hessian"] = [flat(row) for row in h]
        _, vhp = AF.vhp(g, tuple(inputs), tuple(v_in))
        _, hvp = AF.hvp(g, tuple(inputs), tuple(v_in))
        c["vhp"], c["hvp"] = flat(vhp), flat(hvp)
    out[name] = c

# Third derivative of x**3 at 2: through grad with create_graph, and hessian.
x = torch.tensor(2.0, dtype=dt, requires_grad=True)
d1, = torch.autograd.grad(x ** 3, x, create_graph=True)
d2, = torch.autograd.grad(d1, x, create_graph=True)
d3, = torch.autograd.grad(d2, x)
h = AF.hessian(lambda x: x ** 3, x.detach())
out["x_cubed"] = {"d1": d1.item(), "d2": d2.item(), "d3": d3.item(), "hessian": h.item()}

with open("functional.json", "w") as fh:
    json.dump({"torch": torch.__version__, "cases": out}, fh, indent=1)
