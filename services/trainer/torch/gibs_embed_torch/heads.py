"""Training-only heads interpreted from TypeScript's head spec (services/trainer/train/heads.ts buildHeads,
serialised as JSON): `head/<projector|predictor>/<layer>/<param>`, dense kernels [in, out] (same layout
inside and outside), batch norm over the batch with the encoder's moving-statistics convention."""
import torch
import torch.nn.functional as F
from torch import nn

from .errors import JobError
from .graph_model import ProjectParams, batch_norm, batch_norm_specs

TECHNIQUES = ("simclr", "simsiam")


def head_param_specs(heads):
    specs = []
    for head in head_list(heads):
        for layer in head["layers"]:
            if layer["op"] == "dense":
                specs.append((f"{layer['name']}/kernel", [layer["inDim"], layer["outDim"]], True, "he_normal"))
                if layer["bias"]:
                    specs.append((f"{layer['name']}/bias", [layer["outDim"]], True, "zeros"))
            elif layer["op"] == "batchnorm":
                specs.extend(batch_norm_specs(layer["name"], layer["channels"]))
    return specs


def head_list(heads):
    return [h for h in (heads.get("projector"), heads.get("predictor")) if h is not None]


def validate_heads(heads, technique):
    if not isinstance(heads, dict) or not isinstance(heads.get("projector"), dict):
        raise JobError("heads must be buildHeads(technique, dim, norm) as JSON (with a projector)", "heads")
    if heads.get("technique") != technique:
        raise JobError(f"heads are for {heads.get('technique')!r}, the job trains {technique!r}", "heads")
    if technique == "simsiam" and not isinstance(heads.get("predictor"), dict):
        raise JobError("simsiam heads need a predictor", "heads")
    for head in head_list(heads):
        for layer in head.get("layers", []):
            if layer.get("op") not in ("dense", "batchnorm", "relu"):
                raise JobError(f"head layer {layer!r} has an unknown op", "heads")


class Heads(nn.Module):
    def __init__(self, heads, technique, seed=1):
        super().__init__()
        validate_heads(heads, technique)
        self.spec = heads
        self.params = ProjectParams(head_param_specs(heads), seed)

    def run(self, name, x):
        head = self.spec[name]
        p = self.params
        h = x
        for layer in head["layers"]:
            if layer["op"] == "dense":
                h = h @ p.get(f"{layer['name']}/kernel")
                if layer["bias"]:
                    h = h + p.get(f"{layer['name']}/bias")
            elif layer["op"] == "relu":
                h = F.relu(h)
            else:
                h = batch_norm(h, p, layer["name"], layer["epsilon"], layer["momentum"], self.training)
        return h

    def forward(self, pooled):
        """(z projections, p predictions or None)."""
        z = self.run("projector", pooled)
        p = self.run("predictor", z) if self.spec.get("predictor") is not None else None
        return z, p


class TrainingModel(nn.Module):
    """Encoder + heads as one module (what DDP wraps)."""

    def __init__(self, encoder, heads):
        super().__init__()
        self.encoder = encoder
        self.heads = heads

    def forward(self, x):
        embedding, pooled = self.encoder(x)
        z, p = self.heads(pooled)
        return embedding, z, p

    def all_params(self):
        """ProjectParams of the encoder then the heads (checkpoint/layout order)."""
        return [self.encoder.params, self.heads.params]

    def trainable(self):
        return [item for params in self.all_params() for item in params.trainable()]

    def buffers_named(self):
        return [item for params in self.all_params() for item in params.buffers_named()]

    def project_weights(self):
        out = {}
        for params in self.all_params():
            out.update(params.project_weights())
        return out

