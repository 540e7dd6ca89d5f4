#!/usr/bin/python3
"""Prints the PyTorch reference values hard-coded in OptimizerTests.cs and LrSchedulerTests.cs.

Run with Debian's PyTorch 1.13: /usr/bin/python3 torch_reference.py
The problem is the one the C# tests run: two float32 parameters, gradient 2 * (p - target) set by hand before
each step (bitwise the same in both), 5 steps; the printed parameter values are exact float32 values.
"""
import torch

P0 = [[0.5, -1.2, 2.0], [0.1, 0.0, -0.7]]
B0 = [0.3, -0.4]
PT = [[1.0, 0.5, -1.0], [0.0, 0.25, 0.3]]
BT = [-0.2, 0.6]

OPTIMIZERS = {
    "SgdPlain": lambda ps: torch.optim.SGD(ps, lr=0.1),
    "SgdMomentumDampeningWeightDecay": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "SgdNesterov": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.05),
    "SgdMaximize": lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.5, weight_decay=0.01, maximize=True),
    "Adam": lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.1),
    "AdamAmsgrad": lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.8, 0.5), eps=1e-6, amsgrad=True),
    "AdamW": lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.1),
    "AdamWAmsgradMaximize": lambda ps: torch.optim.AdamW(ps, lr=0.02, betas=(0.7, 0.6), amsgrad=True, maximize=True),
}


def optimizers():
    for name, make in OPTIMIZERS.items():
        p = torch.tensor(P0, requires_grad=True)
        b = torch.tensor(B0, requires_grad=True)
        pt, bt = torch.tensor(PT), torch.tensor(BT)
        opt = make([p, b])
        print(f"// {name}")
        for step in range(5):
            with torch.no_grad():
                p.grad = 2 * (p - pt)
                b.grad = 2 * (b - bt)
            opt.step()
            values = p.detach().flatten().tolist() + b.detach().tolist()
            print("[" + ", ".join(repr(v) + "f" for v in values).replace("e-", "E-") + "],")


SCHEDULERS = {
    "StepLR": (lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5), 10),
    "CosineAnnealingLR": (lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=5, eta_min=0.01), 12),
    "LinearLR": (lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.25, total_iters=4), 7),
    "SequentialLR": (lambda o: torch.optim.lr_scheduler.SequentialLR(
        o, [torch.optim.lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=3),
            torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=5, eta_min=0.001)], milestones=[3]), 10),
}


def schedulers():
    for name, (make, steps) in SCHEDULERS.items():
        w = torch.zeros(1, requires_grad=True)
        v = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([{"params": [w]}, {"params": [v], "lr": 0.5}], lr=0.1)
        sched = make(opt)
        print(f"// {name}: get_last_lr() after construction, then after each step (groups lr=0.1 and lr=0.5)")
        rows = [sched.get_last_lr()]
        for _ in range(steps):
            opt.step()
            sched.step()
            rows.append(sched.get_last_lr())
        for r in rows:
            print("[" + ", ".join(repr(x) for x in r) + "],")


if __name__ == "__main__":
    torch.set_printoptions(precision=10)
    optimizers()
    schedulers()
