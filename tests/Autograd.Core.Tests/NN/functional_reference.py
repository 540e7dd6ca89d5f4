#!/usr/bin/python3
"""Reference values for tests/Autograd.Core.Tests/NN/Functional*Tests.cs, from PyTorch 1.13 (Debian python3-torch).
Usage: /usr/bin/python3 functional_reference.py   -> prints `key: [values]` lines; the tests paste those values.
Inputs are seq(shape, a, b): flat element i = sin(a*i + b) in float64, the same tensors FunctionalTestInputs.Seq builds."""
import math, torch
import torch.nn.functional as F
torch.set_default_dtype(torch.float64)
def seq(shape, a=0.37, b=0.1):
    n = 1
    for s in shape: n *= s
    return torch.tensor([math.sin(a*i+b) for i in range(n)], dtype=torch.float64).reshape(shape)
def cs(t):
    return "[" + ", ".join("{:.10g}".format(v) for v in t.detach().flatten().tolist()) + "]"
R = {}
def put(k, t): R[k] = cs(t)
# ---------------- conv ----------------
cases = [
 ("Basic", (2,3,5,5), (4,3,3,3), True, 1,0,1,1),
 ("StridePad", (1,2,6,5), (3,2,3,2), True, (2,1),(1,2),1,1),
 ("Dilation", (2,2,7,7), (2,2,3,3), False, 1,1,2,1),
 ("Groups", (2,4,5,5), (6,2,3,3), True, 1,1,1,2),
 ("Pointwise", (2,3,4,4), (5,3,1,1), True, 1,0,1,1),
]
for name, xs, ws, hasb, st, pd, dl, gr in cases:
    x = seq(xs); w = seq(ws, 0.53, 0.2); b = seq((ws[0],), 0.91, 0.3) if hasb else None
    y = F.conv2d(x, w, b, st, pd, dl, gr)
    put("conv."+name, y)
# gradients of sum(conv(x,w,b) * seq) for Basic
x = seq((2,3,5,5)).requires_grad_(); w = seq((4,3,3,3),0.53,0.2).requires_grad_(); b = seq((4,),0.91,0.3).requires_grad_()
y = F.conv2d(x,w,b); (y*seq(y.shape,0.29,0.7)).sum().backward()
put("conv.Basic.gx", x.grad); put("conv.Basic.gw", w.grad); put("conv.Basic.gb", b.grad)
# ---------------- pooling ----------------
x = seq((2,2,5,6))
put("maxpool.k2", F.max_pool2d(x, 2))
put("maxpool.k3s2p1", F.max_pool2d(x, 3, 2, 1))
put("maxpool.rect", F.max_pool2d(x, (2,3), (1,2), (1,1), (2,1)))
put("avgpool.k2", F.avg_pool2d(x, 2))
put("avgpool.k3s2p1.incl", F.avg_pool2d(x, 3, 2, 1, count_include_pad=True))
put("avgpool.k3s2p1.excl", F.avg_pool2d(x, 3, 2, 1, count_include_pad=False))
put("avgpool.rect.excl", F.avg_pool2d(x, (2,3), (1,2), (1,1), count_include_pad=False))
# ties: all-equal input, max pool gradient goes to the first max in each window
xt = torch.ones(1,1,4,4, requires_grad=True)
F.max_pool2d(xt, 3, 1).sum().backward()
put("maxpool.ties.grad", xt.grad)
# ---------------- layer norm ----------------
x = seq((2,3,4))
put("ln.last", F.layer_norm(x, [4]))
put("ln.last2.affine", F.layer_norm(x, [3,4], seq((3,4),0.53,0.2), seq((3,4),0.91,0.3)))
# ---------------- batch norm ----------------
x = seq((4,3))*2+0.5
rm = seq((3,),0.41,0.2).clone(); rv = seq((3,),0.77,0.1).abs()+0.5
w = seq((3,),0.53,0.2); b = seq((3,),0.91,0.3)
put("bn2d.rm0", rm); put("bn2d.rv0", rv)
put("bn2d.train", F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.1))
put("bn2d.rm1", rm); put("bn2d.rv1", rv)
put("bn2d.eval", F.batch_norm(x, rm, rv, w, b, training=False))
x = seq((2,3,2,2))*1.5
rm = torch.zeros(3); rv = torch.ones(3)
put("bn4d.train", F.batch_norm(x, rm, rv, None, None, training=True, momentum=0.3))
put("bn4d.rm1", rm); put("bn4d.rv1", rv)
put("bn4d.eval", F.batch_norm(x, rm, rv, w, b, training=False, eps=1e-3))
# ---------------- embedding ----------------
wt = seq((5,3)).requires_grad_()
idx = torch.tensor([[0,2,2],[4,1,0]])
e = F.embedding(idx, wt)
put("emb.y", e)
(e*seq(e.shape,0.29,0.7)).sum().backward(); put("emb.gw", wt.grad)
# ---------------- losses ----------------
xi = seq((3,4)); ti = seq((3,4),0.91,0.5)
for r in ["none","mean","sum"]:
    put("mse."+r, F.mse_loss(xi, ti, reduction=r))
logits = seq((4,5))*2; tgt = torch.tensor([1,0,4,2])
for r in ["none","mean","sum"]:
    put("ce."+r, F.cross_entropy(logits, tgt, reduction=r))
    put("ce.ls."+r, F.cross_entropy(logits, tgt, reduction=r, label_smoothing=0.1))
    put("nll."+r, F.nll_loss(F.log_softmax(logits,1), tgt, reduction=r))
lk = seq((2,3,4))*2; tk = torch.tensor([[0,2,1,1],[2,2,0,1]])
put("ce.kdim.mean", F.cross_entropy(lk, tk))
put("ce.kdim.none", F.cross_entropy(lk, tk, reduction="none"))
put("ce.kdim.ls.sum", F.cross_entropy(lk, tk, reduction="sum", label_smoothing=0.2))
put("ce.1d", F.cross_entropy(seq((5,))*2, torch.tensor(3)))
probs = F.softmax(seq((4,5),0.91,0.5)*3, 1)
put("ce.probs.in", probs)
put("ce.probs.mean", F.cross_entropy(logits, probs))
put("ce.probs.ls.none", F.cross_entropy(logits, probs, reduction="none", label_smoothing=0.25))
xb = seq((3,4))*3; xb[0,0] = 0.0
tb = seq((3,4),0.91,0.5).abs()
pw = torch.tensor([0.5, 1.0, 2.0, 3.0])
for r in ["none","mean","sum"]:
    put("bce."+r, F.binary_cross_entropy_with_logits(xb, tb, reduction=r))
    put("bce.pw."+r, F.binary_cross_entropy_with_logits(xb, tb, reduction=r, pos_weight=pw))
xg = xb.clone().requires_grad_()
F.binary_cross_entropy_with_logits(xg, tb, pos_weight=pw).backward(); put("bce.pw.mean.grad", xg.grad)
put("bce.x", xb); put("bce.t", tb)
# large logits stay finite
put("bce.big", F.binary_cross_entropy_with_logits(torch.tensor([100.0,-100.0, 800.0, -800.0]), torch.tensor([0.0, 1.0, 1.0, 0.0]), reduction="none"))
# ---------------- activations ----------------
xa = seq((7,), 1.3, -0.4)*3
put("act.gelu", F.gelu(xa)); put("act.gelu.tanh", F.gelu(xa, approximate="tanh"))
put("act.leaky", F.leaky_relu(xa, 0.2)); put("act.sigmoid", torch.sigmoid(xa)); put("act.tanh", torch.tanh(xa))
put("act.relu", F.relu(xa))
xs2 = seq((2,3))*2
put("act.softmax0", F.softmax(xs2,0)); put("act.logsoftmax1", F.log_softmax(xs2,1))
for k, v in R.items(): print(f"{k}: {v}")
