"""Writes saved_golden.json: for each op of TestSavedValuesChecked, whether
PyTorch 1.13's backward raises "modified by an inplace operation" when the op's
input ("/in") or its output ("/out") is modified in place (add_(1)) between the
forward and backward. Run with /usr/bin/python3 from tensor/testdata."""
import json

import torch

X = [[0.5, 1.2, -0.3], [0.7, -1.1, 2.0], [0.2, 0.4, 1.5]]
O = torch.tensor([[1.0, 2, 3]] * 3, dtype=torch.float64)
IDX = torch.tensor([[0], [1], [2]])

OPS = {
    "Gelu": lambda x: torch.nn.functional.gelu(x),
    "Silu": lambda x: torch.nn.functional.silu(x),
    "Hardtanh": lambda x: torch.nn.functional.hardtanh(x),
    "Elu": lambda x: torch.nn.functional.elu(x),
    "Expm1": torch.expm1,
    "Log1p": torch.log1p,
    "Floor": torch.floor,
    "Frac": torch.frac,
    "Atan2": lambda x: torch.atan2(x, O),
    "Hypot": lambda x: torch.hypot(x, O),
    "Fmod": lambda x: torch.fmod(x, O),
    "FmodOther": lambda x: torch.fmod(O, x),
    "Lerp": lambda x: torch.lerp(x, O, O * 0.3),
    "Addcmul": lambda x: torch.addcmul(O, x, O),
    "Addcdiv": lambda x: torch.addcdiv(O, O, x),
    "Cat": lambda x: torch.cat([x, x]),
    "Stack": lambda x: torch.stack([x, x]),
    "Gather": lambda x: x.gather(1, IDX),
    "IndexSelect": lambda x: x.index_select(0, torch.tensor([0, 2])),
    "MaskedSelect": lambda x: x.masked_select(x.detach() > 0.5),
    "MaxDim": lambda x: x.max(1)[0],
    "Sort": lambda x: x.sort(1)[0],
    "Cummax": lambda x: x.cummax(1)[0],
    "Var": lambda x: x.var(1),
    "Std": lambda x: x.std(1),
    "VarMean": lambda x: torch.var_mean(x, 1)[0],
    "LogSumExp": lambda x: x.logsumexp(1),
    "Norm": lambda x: x.norm(2, 1),
    "ProdDim": lambda x: x.prod(1),
    "Amax": lambda x: x.amax(1),
    "Cumsum": lambda x: x.cumsum(1),
    "Cumprod": lambda x: x.cumprod(1),
    "Where": lambda x: torch.where(x.detach() > 0.5, x, O),
    "Clamp": lambda x: x.clamp(0, 1),
    "ClampTensor": lambda x: x.clamp(O * 0, O),
    "MaskedFill": lambda x: x.masked_fill(x.detach() > 1, 0.0),
    "Flip": lambda x: x.flip(0),
    "Roll": lambda x: x.roll(1, 0),
    "Tril": lambda x: x.tril(),
    "Trace": lambda x: x.trace(),
    "Softmax": lambda x: x.softmax(1),
    "LogSoftmax": lambda x: x.log_softmax(1),
    "Inv": torch.linalg.inv,
    "Det": torch.linalg.det,
    "Slogdet": lambda x: torch.linalg.slogdet(x)[1],
    "Solve": lambda x: torch.linalg.solve(x, O),
    "Svdvals": torch.linalg.svdvals,
    "Qr": lambda x: torch.linalg.qr(x)[1],
    "Mean": lambda x: x.mean(),
    "MeanDim": lambda x: x.mean(1),
    "MeanKeepDim": lambda x: x.mean(1, keepdim=True),
    "Sum": lambda x: x.sum(),
    "SumDim": lambda x: x.sum(1),
}


def raises(f, which):
    x = torch.tensor(X, dtype=torch.float64, requires_grad=True) * 1
    y = f(x)
    (x if which == "in" else y).add_(1)
    try:
        y.sum().backward()
    except RuntimeError as e:
        assert "modified by an inplace operation" in str(e), e
        return True
    return False


out = {k + "/" + w: raises(f, w) for k, f in OPS.items() for w in ("in", "out")}
with open("saved_golden.json", "w") as fh:
    json.dump(out, fh, indent=1, sort_keys=True)
    fh.write("\n")
