# Generates forward_ad.json: primal and tangent of functions of dual tensors
# (torch.autograd.forward_ad.make_dual / unpack_dual, PyTorch 1.13, float64),
# for forwardad_test.go, which has the same functions. Run with /usr/bin/python3.
import json, torch
import torch.autograd.forward_ad as fwAD

torch.manual_seed(0)
dt = torch.float64

cases = {
    # name: (function, input shapes)
    "elementwise": (lambda a, b: (a * b).exp().sub(a.tanh() / (b.pow(2) + 1)).sigmoid() + a.relu() * b.sin(), [(3, 4), (3, 4)]),
    "broadcast": (lambda a, b: (a + b).cos() * b.sqrt(), [(3, 4), (4,)]),
    "reductions": (lambda a: a.sum(1) * a.mean() + a.sum(0, keepdim=True).sum(), [(3, 4)]),
    "shapes": (lambda a: a.reshape(4, 3).t().narrow(1, 1, 2).unsqueeze(0).expand(2, 3, 2) * a.transpose(0, 1)[:3, :2], [(3, 4)]),
    "matmul": (lambda a, b: torch.matmul(a, b).tanh() @ b.t(), [(3, 4), (4, 5)]),
    "softmax": (lambda a: a.softmax(1) * a.log_softmax(0), [(3, 4)]),
}
out = {}
for name, (f, shapes) in cases.items():
    xs = [torch.rand(s, dtype=dt) + 0.5 for s in shapes]  # positive, for sqrt
    ts = [torch.randn(s, dtype=dt) for s in shapes]
    with fwAD.dual_level():
        duals = [fwAD.make_dual(x, t) for x, t in zip(xs, ts)]
        y = f(*duals)
        p, tan = fwAD.unpack_dual(y)
    out[name] = {
        "inputs": [x.reshape(-1).tolist() for x in xs], "shapes": [list(s) for s in shapes],
        "tangents": [t.reshape(-1).tolist() for t in ts],
        "primal": p.reshape(-1).tolist(), "tangent": tan.reshape(-1).tolist(), "out_shape": list(p.shape),
    }
json.dump({"torch": torch.__version__, "cases": out}, open("forward_ad.json", "w"), indent=1)
