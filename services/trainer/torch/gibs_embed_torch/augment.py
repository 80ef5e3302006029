"""The augmentations of services/trainer/augment with the same parameters, batched in torch: random resized
crop (tent filter widening when shrinking, edges replicated, as resample.ts) → k·90° rotation → flips →
colour jitter as one affine map per image (brightness, contrast, saturation, hue in YIQ, random order,
clamped once, as color.ts) → grayscale → separable Gaussian blur (edges replicated) → per-channel
normalisation. Parameters come from the resolved AugmentOptions JSON TS writes. The same distributions as
TS, not the same random streams (numpy's generator, seeded per rank)."""
import math

import numpy as np
import torch
import torch.nn.functional as F

from .errors import JobError

LUMA = np.array([0.299, 0.587, 0.114])
RGB_TO_YIQ = np.array([[0.299, 0.587, 0.114], [0.595716, -0.274453, -0.321263], [0.211456, -0.522591, 0.311135]])
YIQ_TO_RGB = np.linalg.inv(RGB_TO_YIQ)


def resolve(options):
    """Checks the resolved AugmentOptions (TS resolveAugmentOptions output: absent = off)."""
    if not isinstance(options, dict):
        raise JobError("augment must be the resolved AugmentOptions object", "augment")
    norm = options.get("normalization")
    if not isinstance(norm, dict) or len(norm.get("mean", [])) != 3 or len(norm.get("std", [])) != 3 \
            or not all(s > 0 for s in norm["std"]):
        raise JobError("augment.normalization needs {mean: [3], std: [3] > 0}", "augment.normalization")
    return {
        "crop": options.get("crop"),
        "rotate90": bool(options.get("rotate90", False)),
        "flipHorizontal": float(options.get("flipHorizontal", 0)),
        "flipVertical": float(options.get("flipVertical", 0)),
        "colorJitter": options.get("colorJitter"),
        "grayscale": float(options.get("grayscale", 0)),
        "blur": options.get("blur"),
        "normalization": norm,
    }


def crop_box(size, area, aspect, rng):
    """torchvision-style box: up to 10 draws inside the image, else the centred largest box (sampleCropBox)."""
    log_lo, log_hi = math.log(aspect[0]), math.log(aspect[1])
    for _ in range(10):
        target = size * size * (area[0] + (area[1] - area[0]) * rng.random())
        ratio = math.exp(log_lo + (log_hi - log_lo) * rng.random())
        w, h = math.sqrt(target * ratio), math.sqrt(target / ratio)
        if w <= size and h <= size:
            return (size - w) * rng.random(), (size - h) * rng.random(), w, h
    ratio = min(max(1.0, aspect[0]), aspect[1])
    w = size if ratio >= 1 else size * ratio
    h = size / ratio if ratio >= 1 else size
    return (size - w) / 2, (size - h) / 2, w, h


def tent_taps(start, length, out_len, src_len):
    """(index [out_len, count], weight) of resample.ts computeTaps: clamped taps replicate the edge."""
    scale = length / out_len
    support = max(1.0, scale)
    count = math.ceil(2 * support) + 1
    centers = start + (np.arange(out_len) + 0.5) * scale - 0.5
    lo = np.ceil(centers - support)
    src = lo[:, None] + np.arange(count)[None, :]
    w = np.maximum(0.0, 1 - np.abs(src - centers[:, None]) / support)
    w /= w.sum(axis=1, keepdims=True)
    return np.clip(src, 0, src_len - 1).astype(np.int64), w


def tent_matrix(start, length, out_len, src_len):
    """The same taps as a dense [out_len, src_len] matrix (tests, reference)."""
    idx, w = tent_taps(start, length, out_len, src_len)
    m = np.zeros((out_len, src_len))
    np.add.at(m, (np.repeat(np.arange(out_len), idx.shape[1]), idx.reshape(-1)), w.reshape(-1))
    return m


def gaussian_kernel(sigma):
    """Normalised Gaussian taps, radius max(1, ⌈3σ⌉) (blur.ts gaussianKernel)."""
    radius = max(1, math.ceil(3 * sigma))
    k = np.arange(-radius, radius + 1)
    kernel = np.exp(-(k * k) / (2 * sigma * sigma))
    return kernel / kernel.sum()


def separable_blur(x, kernels):
    """Blurs image b with kernels[b] (odd length) vertically then horizontally, edges replicated: one grouped
    convolution per axis (oneDNN on CPU) rather than a loop over images."""
    b, c, h, w = x.shape
    taps = kernels.shape[1]
    r = (taps - 1) // 2
    weight = kernels.repeat_interleave(c, dim=0)  # [b·c, taps]
    y = x.reshape(1, b * c, h, w)
    y = F.conv2d(F.pad(y, (0, 0, r, r), mode="replicate"), weight.view(b * c, 1, taps, 1), groups=b * c)
    y = F.conv2d(F.pad(y, (r, r, 0, 0), mode="replicate"), weight.view(b * c, 1, 1, taps), groups=b * c)
    return y.reshape(b, c, h, w)


def stack_taps(taps):
    """Per-image (index, weight) of different tap counts → [B, out, max count] (zero-weight padding)."""
    count = max(t[0].shape[1] for t in taps)
    out_len = taps[0][0].shape[0]
    idx = np.zeros((len(taps), out_len, count), dtype=np.int64)
    w = np.zeros((len(taps), out_len, count))
    for i, (ti, tw) in enumerate(taps):
        idx[i, :, : ti.shape[1]] = ti
        w[i, :, : tw.shape[1]] = tw
    return idx, w


def resample_axis(x, idx, w, axis):
    """y[b, c, i] = Σ_k w[b, i, k] · x[b, c, idx[b, i, k]] along axis 2 (rows) or 3 (columns): gathers and
    multiply-adds only (no GEMM: a generic-BLAS torch build runs small batched GEMMs slowly)."""
    b, c, h, wd = x.shape
    out = idx.shape[1]
    y = None
    for k in range(idx.shape[2]):
        if axis == 2:
            gathered = torch.gather(x, 2, idx[:, None, :, k, None].expand(b, c, out, wd))
            term = gathered * w[:, None, :, k, None]
        else:
            gathered = torch.gather(x, 3, idx[:, None, None, :, k].expand(b, c, h, out))
            term = gathered * w[:, None, None, :, k]
        y = term if y is None else y + term
    return y


def jitter_affine(rng, strength, grey, mean):
    """(A 3×3, t 3) of color.ts applyColorJitter for an image with channel means `mean`."""
    order = [0, 1, 2, 3]
    for i in range(3, 0, -1):
        j = int(rng.integers(i + 1))
        order[i], order[j] = order[j], order[i]
    b = rng.uniform(1 - strength["brightness"], 1 + strength["brightness"])
    c = rng.uniform(1 - strength["contrast"], 1 + strength["contrast"])
    s = rng.uniform(1 - strength["saturation"], 1 + strength["saturation"])
    hue = rng.uniform(-strength["hue"], strength["hue"])
    A = np.eye(3)
    t = np.zeros(3)

    def blend(x):
        return x * np.eye(3) + (1 - x) * np.tile(LUMA, (3, 1))

    for op in order:
        if op == 0 and b != 1:
            A, t = b * A, b * t
        elif op == 1 and c != 1:
            m = LUMA @ (A @ mean + t)
            A, t = c * A, c * t + (1 - c) * m
        elif op == 2 and s != 1:
            M = blend(s)
            A, t = M @ A, M @ t
        elif op == 3 and hue != 0:
            cos, sin = math.cos(2 * math.pi * hue), math.sin(2 * math.pi * hue)
            M = YIQ_TO_RGB @ np.array([[1, 0, 0], [0, cos, -sin], [0, sin, cos]]) @ RGB_TO_YIQ
            A, t = M @ A, M @ t
    if grey:
        M = blend(0.0)
        A, t = M @ A, M @ t
    return A, t


class Augmenter:
    def __init__(self, options, out_size, rng, device="cpu"):
        self.o = resolve(options)
        self.out = int(out_size)
        self.rng = rng
        self.device = device
        norm = self.o["normalization"]
        self.mean = torch.tensor(norm["mean"], dtype=torch.float32, device=device).view(1, 3, 1, 1)
        self.inv_std = 1.0 / torch.tensor(norm["std"], dtype=torch.float32, device=device).view(1, 3, 1, 1)

    def view(self, images):
        """images: uint8 [B, S, S, 3] tensor → one normalised view per image, float32 NCHW [B, 3, out, out]."""
        o, rng, out = self.o, self.rng, self.out
        count, size = images.shape[0], images.shape[1]
        x = images.to(self.device).permute(0, 3, 1, 2).to(torch.float32) / 255.0
        rows, cols = [], []
        for i in range(count):
            if o["crop"]:
                bx, by, bw, bh = crop_box(size, o["crop"]["area"], o["crop"]["aspect"], rng)
            else:
                bx, by, bw, bh = 0.0, 0.0, float(size), float(size)
            rows.append(tent_taps(by, bh, out, size))
            cols.append(tent_taps(bx, bw, out, size))
        x = resample_axis(x, *self.taps(rows), axis=2)
        x = resample_axis(x, *self.taps(cols), axis=3)
        turns = rng.integers(0, 4, count) if o["rotate90"] else np.zeros(count, dtype=np.int64)
        flip_h = rng.random(count) < o["flipHorizontal"]
        flip_v = rng.random(count) < o["flipVertical"]
        views = []
        for i in range(count):
            v = x[i]
            if turns[i]:
                v = torch.rot90(v, int(turns[i]), dims=(1, 2))
            if flip_h[i]:
                v = torch.flip(v, dims=(2,))
            if flip_v[i]:
                v = torch.flip(v, dims=(1,))
            views.append(v)
        x = torch.stack(views)
        x = self.color(x, count)
        x = self.blur(x, count)
        return (x - self.mean) * self.inv_std

    def color(self, x, count):
        o, rng = self.o, self.rng
        jit = o["colorJitter"]
        jitter = (rng.random(count) < jit["probability"]) if jit else np.zeros(count, dtype=bool)
        grey = rng.random(count) < o["grayscale"]
        if not (jitter.any() or grey.any()):
            return x
        means = x.mean(dim=(2, 3)).detach().cpu().double().numpy()
        A = np.tile(np.eye(3), (count, 1, 1))
        t = np.zeros((count, 3))
        off = {"brightness": 0, "contrast": 0, "saturation": 0, "hue": 0}
        for i in range(count):
            if jitter[i] or grey[i]:
                A[i], t[i] = jitter_affine(rng, jit if jitter[i] else off, bool(grey[i]), means[i])
        At = torch.from_numpy(A).float().to(x.device)
        tt = torch.from_numpy(t).float().to(x.device)
        y = torch.einsum("bkc,bchw->bkhw", At, x) + tt.view(count, 3, 1, 1)
        return torch.clamp(y, 0.0, 1.0)

    def blur(self, x, count):
        o, rng, size = self.o, self.rng, x.shape[-1]
        if not o["blur"]:
            return x
        lo, hi = o["blur"]["sigma"]
        apply = rng.random(count) < o["blur"]["probability"]
        if not apply.any():
            return x
        radius = max(1, math.ceil(3 * hi))
        kernels = np.zeros((count, 2 * radius + 1))
        kernels[:, radius] = 1.0  # identity for the images left sharp
        for i in np.nonzero(apply)[0]:
            sigma = rng.uniform(lo, hi)
            if sigma > 0:
                kernels[i] = 0.0
                k = gaussian_kernel(sigma)
                r = (k.size - 1) // 2
                kernels[i, radius - r:radius + r + 1] = k
        return separable_blur(x, torch.from_numpy(kernels).float().to(x.device))

    def taps(self, taps):
        idx, w = stack_taps(taps)
        return torch.from_numpy(idx).to(self.device), torch.from_numpy(w).float().to(self.device)
