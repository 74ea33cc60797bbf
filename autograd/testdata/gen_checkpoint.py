# Generates checkpoint.json: gradients of a small MLP with dropout through
# torch.utils.checkpoint (PyTorch 1.13, float64), reentrant and not, with
# Backward and with torch.autograd.grad. Run with /usr/bin/python3.
#
# The model: x (4, 6) -> 3 blocks of Linear, Tanh, Dropout(0.3) -> mean of the
# square. Block 0 and blocks 1..2 are two checkpointed segments. gograd's random
# numbers are not PyTorch's, so the dropout masks PyTorch drew are stored, in
# the order the three Dropouts ran in forward; checkpoint_test.go replays them,
# keyed by what its generator draws, so that a recomputation that did not
# restore the generator's state would look up a mask that does not exist.
import json, warnings, torch
from torch.utils.checkpoint import checkpoint

dt = torch.float64
torch.manual_seed(0)
widths = [6, 8, 8, 5]
params = []
for i in range(3):
    w = torch.randn(widths[i + 1], widths[i], dtype=dt) * 0.5
    b = torch.randn(widths[i + 1], dtype=dt) * 0.1
    params += [w, b]
x0 = torch.randn(4, 6, dtype=dt)
P = 0.3
masks = []

def dropout(h):
    y = torch.nn.functional.dropout(h, P, training=True)
    if record:
        assert (h != 0).all()
        masks.append(((y != 0).to(dt) / (1 - P)).tolist())
    return y

def block(i, h):
    return dropout(torch.tanh(h @ params[2 * i].t() + params[2 * i + 1]))

def seg0(h):
    return block(0, h)

def seg12(h):
    return block(2, block(1, h))

def fresh(x_grad=True):
    ps = [p.detach().clone().requires_grad_(True) for p in params]
    x = x0.detach().clone().requires_grad_(x_grad)
    return ps, x

def run(mode, x_grad=True, use_grad=False):
    global params, record
    saved = params
    ps, x = fresh(x_grad)
    params = ps
    torch.manual_seed(42)
    record = mode == "plain"
    if mode == "plain":
        h1 = seg0(x)
        out = seg12(h1)
    else:
        h1 = checkpoint(seg0, x, use_reentrant=(mode == "reentrant"))
        out = checkpoint(seg12, h1, use_reentrant=(mode == "reentrant"))
    loss = out.pow(2).mean()
    names = [h1.grad_fn.name(), out.grad_fn.name()]
    wrt = ps + ([x] if x_grad else [])
    if use_grad:
        grads = torch.autograd.grad(loss, wrt)
    else:
        loss.backward()
        grads = [t.grad for t in wrt]
    params = saved
    record = False
    return {"loss": loss.item(), "grad_fns": names,
            "grads": [g.reshape(-1).tolist() for g in grads]}

record = False
out = {"params": [p.reshape(-1).tolist() for p in params],
       "param_shapes": [list(p.shape) for p in params],
       "x": x0.reshape(-1).tolist(), "x_shape": list(x0.shape), "p": P}
cases = {"plain": run("plain")}
out["masks"] = masks
cases["reentrant"] = run("reentrant")
cases["nonreentrant"] = run("nonreentrant")
cases["nonreentrant_grad"] = run("nonreentrant", use_grad=True)
# Non-reentrant: x need not require grad; the parameters still get theirs.
cases["nonreentrant_x_nograd"] = run("nonreentrant", x_grad=False)
try:
    run("reentrant", use_grad=True)
except RuntimeError as e:
    out["reentrant_grad_error"] = str(e)
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    h = checkpoint(seg0, x0, use_reentrant=True)
    out["reentrant_x_nograd_warning"] = str(w[0].message)
    assert not h.requires_grad  # gograd refuses this case instead
out["cases"] = cases
# The checkpointed runs draw the same masks as the plain one, so every case has
# the plain model's gradients.
for k, c in cases.items():
    for a, b in zip(c["grads"], cases["plain"]["grads"]):
        assert a == b, k
with open("checkpoint.json", "w") as f:
    json.dump(out, f, indent=1)
