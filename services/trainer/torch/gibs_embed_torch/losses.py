"""NT-Xent and SimSiam's loss, as services/trainer/losses computes them."""
import torch

from .errors import JobError


def _unit(x):
    return x / torch.clamp(torch.linalg.norm(x, dim=1, keepdim=True), min=1e-12)


def nt_xent(za, zb, temperature=0.1):
    """Mean cross-entropy over all 2n anchors; negatives are the local batch, self-similarity masked out."""
    if not temperature > 0:
        raise JobError(f"NT-Xent temperature must be > 0, got {temperature}", "temperature")
    n = za.shape[0]
    if n < 2:
        raise JobError("NT-Xent needs at least 2 pairs per rank (negatives come from the batch)", "batch_size")
    a = _unit(za)
    b = _unit(zb)
    z = torch.cat([a, b], 0)
    logits = (z @ z.t()) / temperature
    masked = logits - torch.eye(2 * n, device=z.device, dtype=z.dtype) * 1e9
    log_sum_exp = torch.logsumexp(masked, dim=1)
    positive = torch.sum(a * b, dim=1) / temperature
    return torch.mean(log_sum_exp) - torch.mean(positive)


def negative_cosine(p, z):
    """−mean cosine(p, stopgrad(z))."""
    return -torch.mean(torch.sum(_unit(p) * _unit(z.detach()), dim=1))


def simsiam(pa, pb, za, zb):
    return 0.5 * negative_cosine(pa, zb) + 0.5 * negative_cosine(pb, za)
