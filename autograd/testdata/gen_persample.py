# Generates persample.json: per-example gradients of a small MLP's loss, from
# functorch's vmap(grad(...)) in PyTorch 1.13 (float64). Run with /usr/bin/python3.
import json, torch
from functorch import make_functional, vmap, grad

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
model = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.Tanh(), torch.nn.Linear(4, 3), torch.nn.LogSoftmax(dim=1))
x = torch.randn(6, 5)
y = torch.nn.functional.one_hot(torch.tensor([0, 2, 1, 1, 0, 2]), 3).double()
fmodel, params = make_functional(model)

def loss(params, xb, yb):  # one example: NLL of its log-probabilities (yb one-hot)
    out = fmodel(params, xb.unsqueeze(0))
    return -(out[0] * yb).sum()

per = vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)
json.dump({
    "torch": torch.__version__,
    "params": [p.detach().reshape(-1).tolist() for p in params],
    "x": x.reshape(-1).tolist(), "y": y.reshape(-1).tolist(),
    "grads": [g.reshape(-1).tolist() for g in per],
    "grad_shapes": [list(g.shape) for g in per],
}, open("persample.json", "w"), indent=1)
