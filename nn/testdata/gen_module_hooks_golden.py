# Generates module_hooks_golden.json: the order in which PyTorch 1.13 calls module
# forward pre-hooks, forward hooks and full backward hooks for a Sequential of
# Linear(3, 2), ReLU, Linear(2, 1), and the tensors each sees.
# Run: /usr/bin/python3 gen_module_hooks_golden.py > module_hooks_golden.json
# Mirrored by TestModuleHooksGolden in hooks_test.go.
import json
import torch

torch.set_default_dtype(torch.float64)
events = []


def vals(ts):
    return [None if t is None else t.detach().reshape(-1).tolist() for t in ts]


def log(name, *ts):
    events.append({"event": name, "values": vals(ts)})


l1 = torch.nn.Linear(3, 2)
l2 = torch.nn.Linear(2, 1)
with torch.no_grad():
    l1.weight.copy_(torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]]))
    l1.bias.copy_(torch.tensor([0.1, -0.2]))
    l2.weight.copy_(torch.tensor([[2.0, -3.0]]))
    l2.bias.copy_(torch.tensor([0.5]))
seq = torch.nn.Sequential(l1, torch.nn.ReLU(), l2)
x = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], requires_grad=True)

seq.register_forward_pre_hook(lambda m, inp: log("seq pre", *inp))
seq.register_forward_hook(lambda m, inp, out: log("seq fwd", *inp, out))
seq.register_full_backward_hook(lambda m, gi, go: log("seq bwd", *gi, *go))
l1.register_forward_pre_hook(lambda m, inp: log("l1 pre", *inp))
l1.register_forward_hook(lambda m, inp, out: (log("l1 fwd", *inp, out), out * 2)[1])
l1.register_full_backward_hook(lambda m, gi, go: log("l1 bwd", *gi, *go))
l2.register_forward_hook(lambda m, inp, out: log("l2 fwd", *inp, out))
l2.register_full_backward_hook(lambda m, gi, go: (log("l2 bwd", *gi, *go), (gi[0] * 3,))[1])
gone = l2.register_forward_pre_hook(lambda m, inp: log("removed", *inp))
gone.remove()

y = seq(x)
y.sum().backward()
print(json.dumps({
    "torch": torch.__version__,
    "events": events,
    "x_grad": x.grad.reshape(-1).tolist(),
    "l1_weight_grad": l1.weight.grad.reshape(-1).tolist(),
}, indent=1))
