"""SGD exactly as services/trainer/train/optimizer.ts ('sgd'): v = μv + g + λw (λ on `/kernel` params only),
w −= lr·v; slots `optimizer/velocity/<param>` + `optimizer/t` (same names as TS, so --resume works across
backends). The LR schedule of lr-schedule.ts: linear warm-up from 0, then half cosine to 0."""
import math

import torch

from .errors import JobError
from .graph_model import to_project_layout, to_torch_layout

PREFIX = "optimizer/"


def learning_rate_at(base, total_steps, warmup_steps, step, final=0.0):
    if not (base >= 0) or not (total_steps >= 1) or not (warmup_steps >= 0):
        raise JobError(f"bad learning-rate schedule base={base} steps={total_steps} warmup={warmup_steps}", "lr")
    if step < warmup_steps:
        return base * (step + 1) / warmup_steps
    decay_steps = max(1, total_steps - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / decay_steps)
    return base * (final + (1 - final) * 0.5 * (1 + math.cos(math.pi * progress)))


class Sgd:
    def __init__(self, named_params, momentum=0.9, weight_decay=5e-4):
        if not (0 <= momentum < 1):
            raise JobError(f"optimizer momentum must be in [0, 1), got {momentum}", "momentum")
        if not (weight_decay >= 0):
            raise JobError(f"weight decay must be >= 0, got {weight_decay}", "weight_decay")
        self.named = list(named_params)
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocity = [torch.zeros_like(p) for _, p in self.named]
        self.t = 0

    @torch.no_grad()
    def step(self, lr):
        if not math.isfinite(lr) or lr < 0:
            raise JobError(f"learning rate must be finite and >= 0, got {lr}", "lr")
        self.t += 1
        for (name, p), v in zip(self.named, self.velocity):
            g = p.grad if p.grad is not None else torch.zeros_like(p)
            v.mul_(self.momentum).add_(g)
            if name.endswith("/kernel") and self.weight_decay:
                v.add_(p, alpha=self.weight_decay)
            p.sub_(v, alpha=lr)

    def state(self):
        out = {f"{PREFIX}t": torch.tensor([float(self.t)], dtype=torch.float32)}
        for (name, _), v in zip(self.named, self.velocity):
            out[f"{PREFIX}velocity/{name}"] = to_project_layout(name, v.detach().cpu())
        return out

    @torch.no_grad()
    def load(self, weights):
        """Restores what state() gave (or TS wrote); missing slots stay zero."""
        t = weights.get(f"{PREFIX}t")
        self.t = int(t.reshape(-1)[0].item()) if t is not None else 0
        for (name, p), v in zip(self.named, self.velocity):
            w = weights.get(f"{PREFIX}velocity/{name}")
            if w is None:
                continue
            if w.numel() != p.numel():
                raise JobError(f"optimizer slot velocity/{name} has {w.numel()} values, expected {p.numel()}", "init")
            v.copy_(to_torch_layout(name, list(w.shape), w.to(torch.float32)).to(v.device))
