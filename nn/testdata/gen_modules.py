#!/usr/bin/python3
"""Writes modules.json: torch 1.13 modules with their printed form, state dict,
inputs, outputs, every gradient (inputs and parameters) and grad_fn, in float64
and float32, for nn's TestModulesGolden (modules_test.go):

- every activation module (ReLU ... LogSoftmax, GLU, Softmax2d, RReLU in eval
  mode, PReLU with its weight),
- Upsample, AlphaDropout in eval mode, EmbeddingBag (2-d and offsets,
  per_sample_weights, max_norm) and Embedding with max_norm (the weight after
  the call is recorded, as max_norm changes it in place),
- TransformerDecoderLayer, TransformerDecoder, TransformerEncoder and
  Transformer with their masks (causal target mask, key padding masks, memory
  masks), norm_first, relu/gelu, batch_first, sequence first or unbatched, in train mode with dropout
  0 and in eval mode with dropout 0.1;

and the state-dict keys and printed form of a model holding a ModuleDict, a
ParameterList and a ParameterDict (containers).

Run from anywhere with Debian's python3-torch:
    /usr/bin/python3 nn/testdata/gen_modules.py

Inputs are drawn in float64 (seeded) and stored; the float32 run uses the same
values rounded. The upstream gradient is that of (out * c).sum() with c stored.
Boolean masks are stored as lists of booleans (True: masked out, PyTorch's
convention); the Go side passes their negation to functional.BoolMask.
"""
import json
import os

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)


def flat(t):
    return t.detach().reshape(-1).tolist()


def enc(t):
    return {"shape": list(t.shape), "dtype": str(t.dtype).removeprefix("torch."), "data": flat(t.double() if t.is_floating_point() else t)}


CASES = []


def case(name, go, args, m, inputs, call=None, kwargs=None, masks=None, mode="train", state_after=False):
    """m: the module (float64); inputs: float64 or int64 tensors; call(m, xs,
    kwargs) runs it (default m(*xs, **kwargs)); kwargs may hold bool masks;
    masks: their lists for the Go side."""
    call = call or (lambda m, xs, kw: m(*xs, **kw))
    kwargs = kwargs or {}
    m = m.double()
    m.train(mode == "train")
    sd0 = {k: v.clone() for k, v in m.state_dict().items()}
    res = {"name": name, "module": go, "args": args, "repr": repr(m), "mode": mode, "masks": masks or {},
           "state_dict": {k: enc(v) for k, v in sd0.items()},
           "inputs": [enc(x) for x in inputs]}
    for dt in (torch.float64, torch.float32):
        m.load_state_dict(sd0)
        mm = m.to(dt)
        xx = [x.to(dt).clone().requires_grad_(True) if x.is_floating_point() else x for x in inputs]
        kw = {k: (v.to(dt) if torch.is_tensor(v) and v.is_floating_point() else v) for k, v in kwargs.items()}
        mm.zero_grad()
        y = call(mm, xx, kw)
        g = torch.Generator().manual_seed(7)
        up = torch.randn(y.shape, generator=g, dtype=torch.float64)
        (y * up.to(dt)).sum().backward()
        res["upstream"] = flat(up)
        # float32 results keep 9 significant digits, enough to give back the float32 value.
        out = flat if dt == torch.float64 else (lambda t: [float("%.9g" % v) for v in flat(t)])
        res[str(dt).removeprefix("torch.")] = {
            "shape": list(y.shape), "out": out(y), "grad_fn": type(y.grad_fn).__name__ if y.grad_fn else None,
            "input_grads": [out(x.grad) if x.is_floating_point() else None for x in xx],
            "param_grads": {k: out(p.grad) for k, p in mm.named_parameters() if p.grad is not None},
            "state_after": {k: out(v) for k, v in mm.state_dict().items()} if state_after else {},
        }
        m.double()
    CASES.append(res)


def randn(*shape, scale=1.0):
    return torch.randn(*shape, dtype=torch.float64) * scale


ACTS = [
    ("ReLU6", {}, nn.ReLU6()), ("LeakyReLU", {}, nn.LeakyReLU()), ("LeakyReLU", {"negative_slope": 0.2}, nn.LeakyReLU(0.2)),
    ("ELU", {}, nn.ELU()), ("ELU", {"alpha": 0.5}, nn.ELU(0.5)), ("SELU", {}, nn.SELU()),
    ("CELU", {}, nn.CELU()), ("CELU", {"alpha": 1.5}, nn.CELU(1.5)),
    ("GELU", {}, nn.GELU()), ("GELU", {"approximate": "tanh"}, nn.GELU(approximate="tanh")),
    ("SiLU", {}, nn.SiLU()), ("Mish", {}, nn.Mish()),
    ("Softplus", {}, nn.Softplus()), ("Softplus", {"beta": 2.0, "threshold": 3.0}, nn.Softplus(2.0, 3.0)),
    ("Hardtanh", {}, nn.Hardtanh()), ("Hardtanh", {"min_val": -2.0, "max_val": 0.5}, nn.Hardtanh(-2.0, 0.5)),
    ("Hardsigmoid", {}, nn.Hardsigmoid()), ("Hardswish", {}, nn.Hardswish()),
    ("LogSigmoid", {}, nn.LogSigmoid()), ("Softsign", {}, nn.Softsign()), ("Tanhshrink", {}, nn.Tanhshrink()),
    ("Tanh", {}, nn.Tanh()), ("Sigmoid", {}, nn.Sigmoid()), ("ReLU", {}, nn.ReLU()),
    ("Threshold", {"threshold": 0.1, "value": 20.0}, nn.Threshold(0.1, 20.0)),
    ("Hardshrink", {}, nn.Hardshrink()), ("Hardshrink", {"lambd": 1.0}, nn.Hardshrink(1.0)),
    ("Softshrink", {}, nn.Softshrink()), ("Softshrink", {"lambd": 0.2}, nn.Softshrink(0.2)),
    ("GLU", {}, nn.GLU()), ("GLU", {"dim": 1}, nn.GLU(1)), ("Softmax2d", {}, nn.Softmax2d()),
    ("Softmin", {"dim": 1}, nn.Softmin(1)), ("Softmax", {"dim": 1}, nn.Softmax(1)), ("LogSoftmax", {"dim": -1}, nn.LogSoftmax(-1)),
]
for i, (go, args, m) in enumerate(ACTS):
    name = go + "".join(f"_{k}={v}" for k, v in args.items())
    case(name, go, args, m, [randn(2, 4, 2, 2, scale=2.5)])

prelu = nn.PReLU()
case("PReLU", "PReLU", {"num_parameters": 1, "init": 0.25}, prelu, [randn(2, 3, 4, scale=2)])
prelu3 = nn.PReLU(3, 0.1)
with torch.no_grad():
    prelu3.weight.copy_(torch.tensor([0.1, -0.3, 0.7]))
case("PReLU_3", "PReLU", {"num_parameters": 3, "init": 0.1}, prelu3, [randn(2, 3, 2, 2, scale=2)])

case("Upsample_nearest", "Upsample", {"scale_factor": [2.0]}, nn.Upsample(scale_factor=2), [randn(1, 2, 3, 4)])
case("Upsample_bilinear", "Upsample", {"size": [5, 3], "mode": "bilinear", "align_corners": True},
     nn.Upsample(size=(5, 3), mode="bilinear", align_corners=True), [randn(2, 1, 3, 4)])
case("Upsample_linear", "Upsample", {"size": [7], "mode": "linear"}, nn.Upsample(size=7, mode="linear"), [randn(2, 2, 4)])
case("RReLU_eval", "RReLU", {}, nn.RReLU(), [randn(2, 3, 4, scale=2)], mode="eval")
case("RReLU_eval_0.1_0.3", "RReLU", {"lower": 0.1, "upper": 0.3}, nn.RReLU(0.1, 0.3), [randn(2, 3, 4, scale=2)], mode="eval")
case("UpsamplingNearest2d", "UpsamplingNearest2d", {"scale_factor": [2.0]}, nn.UpsamplingNearest2d(scale_factor=2), [randn(1, 2, 3, 2)])
case("UpsamplingBilinear2d", "UpsamplingBilinear2d", {"size": [3, 4]}, nn.UpsamplingBilinear2d(size=(3, 4)), [randn(2, 1, 2, 3)])
case("AlphaDropout_eval", "AlphaDropout", {"p": 0.2}, nn.AlphaDropout(0.2), [randn(3, 4)], mode="eval")

BAGS = torch.tensor([[1, 2, 0, 4], [4, 4, 3, 1], [0, 5, 2, 2]])
case("EmbeddingBag_mean", "EmbeddingBag", {"mode": "mean"}, nn.EmbeddingBag(6, 3), [BAGS])
# Every index twice: torch 1.13's CPU scale_grad_by_freq divides some rows by
# another row's count (pytorch/pytorch#190063), which equal counts hide.
case("EmbeddingBag_sum_freq", "EmbeddingBag", {"mode": "sum", "scale_grad_by_freq": True}, nn.EmbeddingBag(6, 3, mode="sum", scale_grad_by_freq=True),
     [torch.tensor([[1, 2, 0, 5], [2, 0, 1, 5]])])
case("EmbeddingBag_max_padding", "EmbeddingBag", {"mode": "max", "padding_idx": 4, "max_norm": 1.0},
     nn.EmbeddingBag(6, 3, mode="max", padding_idx=4, max_norm=1.0), [BAGS], state_after=True)
IDX = torch.tensor([1, 2, 4, 5, 4, 3, 2, 0, 5])
OFFS = torch.tensor([0, 4, 7])
case("EmbeddingBag_offsets_weights", "EmbeddingBag", {"mode": "sum", "offsets": OFFS.tolist()}, nn.EmbeddingBag(6, 3, mode="sum"),
     [IDX, randn(9)], call=lambda m, xs, kw: m(xs[0], OFFS, per_sample_weights=xs[1]))
emb = nn.Embedding(6, 3, max_norm=1.5, norm_type=1.0, padding_idx=0)
case("Embedding_max_norm", "Embedding", {"padding_idx": 0, "max_norm": 1.5, "norm_type": 1.0}, emb,
     [torch.tensor([[1, 3, 3], [0, 5, 1]])], state_after=True)


def biases(m):
    """Random biases and LayerNorm affine values, so that their gradients show."""
    with torch.no_grad():
        for k, p in m.named_parameters():
            if p.dim() == 1:
                p.normal_()
    return m


def causal(n):
    return torch.triu(torch.full((n, n), float("-inf"), dtype=torch.float64), 1)


E, H, FF = 8, 2, 16
TGT_KPM = torch.tensor([[False, False, False, True], [False, False, False, False]])
MEM_KPM = torch.tensor([[False, False, True, True, False], [False, False, False, False, False]])
MEM_MASK = randn(4, 5)
masks = {"tgt_key_padding_mask": TGT_KPM.tolist(), "memory_key_padding_mask": MEM_KPM.tolist(), "memory_mask": flat(MEM_MASK)}

for norm_first, act, mode in ((False, "relu", "train"), (True, "gelu", "eval")):
    p = 0.0 if mode == "train" else 0.1
    layer = biases(nn.TransformerDecoderLayer(E, H, FF, dropout=p, activation=act, batch_first=True, norm_first=norm_first))
    case(f"decoder_layer_{act}_normfirst{norm_first}_{mode}", "TransformerDecoderLayer",
         {"norm_first": norm_first, "activation": act, "dropout": p, "batch_first": True}, layer, [randn(2, 4, E), randn(2, 5, E)],
         kwargs=dict(tgt_mask=causal(4), memory_mask=MEM_MASK, tgt_key_padding_mask=TGT_KPM, memory_key_padding_mask=MEM_KPM),
         masks=dict(masks, tgt_causal=True), mode=mode)

# Stacks, sequence first (PyTorch's default).
dec = biases(nn.TransformerDecoder(nn.TransformerDecoderLayer(E, H, FF, dropout=0.1, activation="gelu"), 2, norm=nn.LayerNorm(E)))
case("decoder_seqfirst_eval", "TransformerDecoder", {"num_layers": 2, "activation": "gelu", "dropout": 0.1, "norm": True}, dec,
     [randn(4, 2, E), randn(5, 2, E)],
     kwargs=dict(tgt_mask=causal(4), tgt_key_padding_mask=TGT_KPM, memory_key_padding_mask=MEM_KPM),
     masks={"tgt_key_padding_mask": TGT_KPM.tolist(), "memory_key_padding_mask": MEM_KPM.tolist(), "tgt_causal": True}, mode="eval")
SRC_KPM = torch.tensor([[False, False, False, False, True], [False, True, False, False, False]])
SRC_MASK = randn(5, 5)
enc_ = biases(nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, FF, dropout=0.0, norm_first=True), 2, norm=nn.LayerNorm(E)))
case("encoder_seqfirst_train", "TransformerEncoder", {"num_layers": 2, "activation": "relu", "dropout": 0.0, "norm_first": True, "norm": True},
     enc_, [randn(5, 2, E)], kwargs=dict(mask=SRC_MASK, src_key_padding_mask=SRC_KPM),
     masks={"src_key_padding_mask": SRC_KPM.tolist(), "src_mask": flat(SRC_MASK)})
enc2 = biases(nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, FF, dropout=0.1, batch_first=True), 3))
case("encoder_batchfirst_eval_nonorm", "TransformerEncoder", {"num_layers": 3, "activation": "relu", "dropout": 0.1, "batch_first": True},
     enc2, [randn(2, 5, E)], kwargs=dict(src_key_padding_mask=SRC_KPM), masks={"src_key_padding_mask": SRC_KPM.tolist()}, mode="eval")

tr = biases(nn.Transformer(E, H, 2, 2, FF, dropout=0.1))
case("transformer_eval", "Transformer", {"dropout": 0.1, "activation": "relu"}, tr, [randn(5, 2, E), randn(4, 2, E)],
     kwargs=dict(tgt_mask=tr.generate_square_subsequent_mask(4).double(), src_key_padding_mask=SRC_KPM,
                 tgt_key_padding_mask=TGT_KPM, memory_key_padding_mask=SRC_KPM),
     masks={"src_key_padding_mask": SRC_KPM.tolist(), "tgt_key_padding_mask": TGT_KPM.tolist(),
            "memory_key_padding_mask": SRC_KPM.tolist(), "tgt_causal": True}, mode="eval")
tr1 = biases(nn.Transformer(E, H, 1, 1, FF, dropout=0.0))
case("transformer_unbatched_train", "Transformer", {"dropout": 0.0, "activation": "relu", "num_encoder_layers": 1, "num_decoder_layers": 1},
     tr1, [randn(5, E), randn(4, E)],
     kwargs=dict(tgt_mask=causal(4), src_key_padding_mask=SRC_KPM[0], memory_key_padding_mask=SRC_KPM[0]),
     masks={"src_key_padding_mask": SRC_KPM[:1].tolist(), "memory_key_padding_mask": SRC_KPM[:1].tolist(), "tgt_causal": True})
tr2 = biases(nn.Transformer(E, H, 1, 2, FF, dropout=0.0, activation="gelu", batch_first=True, norm_first=True))
case("transformer_batchfirst_normfirst_gelu_train", "Transformer", {"dropout": 0.0, "activation": "gelu", "batch_first": True, "norm_first": True,
                                                                    "num_encoder_layers": 1},
     tr2, [randn(2, 5, E), randn(2, 4, E)], kwargs=dict(src_mask=SRC_MASK, tgt_mask=causal(4), memory_mask=MEM_MASK),
     masks={"src_mask": flat(SRC_MASK), "tgt_causal": True, "memory_mask": flat(MEM_MASK)})


class Holder(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleDict({"proj": nn.Linear(3, 2), "act": nn.ReLU(), "norm": nn.LayerNorm(2)})
        self.scales = nn.ParameterList([nn.Parameter(torch.randn(2)), nn.Parameter(torch.randn(3, 2))])
        self.extra = nn.ParameterDict({"alpha": nn.Parameter(torch.randn(1)), "beta": nn.Parameter(torch.randn(2, 2))})


h = Holder().double()
containers = {"repr": repr(h), "keys": list(h.state_dict().keys()),
              "state_dict": {k: enc(v) for k, v in h.state_dict().items()},
              "parameter_list_repr": repr(nn.ParameterList([nn.Parameter(torch.randn(3, 4)), nn.Parameter(torch.randn(2).double())])),
              "parameter_dict_repr": repr(nn.ParameterDict({"a": nn.Parameter(torch.randn(3, 4)), "b": nn.Parameter(torch.randn(2).double())})),
              "parameter_dict_one_repr": repr(nn.ParameterDict({"a": nn.Parameter(torch.randn(3, 4))}))}

# The layers in PyTorch's default sequence-first layout and unbatched, with
# bool masks as PyTorch takes them (a bool src_mask too); drawn from their own
# seed so that the cases above keep their values.
torch.manual_seed(12)
SRC_MASK_BOOL = torch.tensor([[False, True, False, False, False], [False, False, False, True, False],
                              [True, False, False, False, False], [False, False, False, False, False],
                              [False, False, True, False, False]])
layer = biases(nn.TransformerDecoderLayer(E, H, FF, dropout=0.0))
case("decoder_layer_seqfirst_train", "TransformerDecoderLayer", {"norm_first": False, "activation": "relu", "dropout": 0.0},
     layer, [randn(4, 2, E), randn(5, 2, E)],
     kwargs=dict(tgt_mask=causal(4), tgt_key_padding_mask=TGT_KPM, memory_key_padding_mask=MEM_KPM),
     masks={"tgt_key_padding_mask": TGT_KPM.tolist(), "memory_key_padding_mask": MEM_KPM.tolist(), "tgt_causal": True})
layer = biases(nn.TransformerDecoderLayer(E, H, FF, dropout=0.1, activation="gelu", norm_first=True))
case("decoder_layer_unbatched_eval", "TransformerDecoderLayer", {"norm_first": True, "activation": "gelu", "dropout": 0.1},
     layer, [randn(4, E), randn(5, E)], kwargs=dict(tgt_mask=causal(4), memory_mask=MEM_MASK, memory_key_padding_mask=MEM_KPM[0]),
     masks={"memory_key_padding_mask": MEM_KPM[:1].tolist(), "memory_mask": flat(MEM_MASK), "tgt_causal": True}, mode="eval")
layer = biases(nn.TransformerEncoderLayer(E, H, FF, dropout=0.0, norm_first=True))
case("encoder_layer_seqfirst_train", "TransformerEncoderLayer", {"norm_first": True, "activation": "relu", "dropout": 0.0},
     layer, [randn(5, 2, E)], kwargs=dict(src_mask=SRC_MASK_BOOL, src_key_padding_mask=SRC_KPM),
     masks={"src_key_padding_mask": SRC_KPM.tolist(), "src_mask_bool": SRC_MASK_BOOL.tolist()})
layer = biases(nn.TransformerEncoderLayer(E, H, FF, dropout=0.1, activation="gelu"))
case("encoder_layer_unbatched_eval", "TransformerEncoderLayer", {"norm_first": False, "activation": "gelu", "dropout": 0.1},
     layer, [randn(5, E)], kwargs=dict(src_mask=SRC_MASK, src_key_padding_mask=SRC_KPM[1]),
     masks={"src_key_padding_mask": SRC_KPM[1:].tolist(), "src_mask": flat(SRC_MASK)}, mode="eval")
# A stack made from a sequence-first layer takes its layout (batch_first unset).
enc3 = biases(nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, FF, dropout=0.0), 2))
case("encoder_from_seqfirst_layer_train", "TransformerEncoder", {"num_layers": 2, "activation": "relu", "dropout": 0.0},
     enc3, [randn(5, 2, E)], kwargs=dict(mask=SRC_MASK_BOOL), masks={"src_mask_bool": SRC_MASK_BOOL.tolist()})

with open(os.path.join(HERE, "modules.json"), "w") as f:
    json.dump({"torch": torch.__version__, "cases": CASES, "containers": containers}, f)
