"""`sgd-steps --job DIR`: N SGD steps on one fixed batch of views, no augmentation, so the update can be
compared with the tfjs trainer's on the same weights and inputs (test/unit/trainer/torch/parity.test.ts).

It runs the training path of `train` (GraphEncoder + Heads in train mode: batch statistics, moving
statistics updated in place; the same losses; Sgd from optim.py) on ONE process, without DDP and without
the data pipeline. job.json:
  { "technique", "graph", "heads", "temperature", "momentum", "weight_decay", "threads",
    "init": {"weights", "manifest"}  (encoder + head/… arrays; optimizer/… slots restored when present),
    "views": {"file": "views.f32", "pairs": n, "size": s, "layout": "NHWC"}  (2n images: n of view a, then
              the n matching views b; float32 little-endian, already normalised),
    "lrs": [lr of step 1, lr of step 2, …] }
Writes out/step-<k>/weights.bin + weights.json after every step k (encoder in graph order, then head/…
and optimizer/… sorted: the checkpoint layout) and out/steps.jsonl ({"step", "loss", "lr"} per step).
"""
import json
import math
import os

import numpy as np
import torch

from .errors import JobError
from .graph_model import GraphEncoder
from .heads import TECHNIQUES, Heads, TrainingModel
from .job import read_json
from .losses import nt_xent, simsiam
from .optim import Sgd
from .weights_io import read_weights, write_weights


def _positive_int(value, field):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise JobError(f"job.json field {field} must be a positive integer, got {value!r}", field)
    return value


def _number(value, field, minimum, below=None):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and value >= minimum and (below is None or value < below)
    if not ok:
        bound = f" and < {below}" if below is not None else ""
        raise JobError(f"job.json field {field} must be a number >= {minimum}{bound}, got {value!r}", field)
    return float(value)


def load_sgd_job(job_dir):
    job = read_json(os.path.join(job_dir, "job.json"), "job.json")
    if not isinstance(job, dict):
        raise JobError("job.json must be an object", "job.json")
    for field in ("technique", "graph", "heads", "init", "views", "lrs"):
        if field not in job:
            raise JobError(f"job.json lacks the field {field}", field)
    if job["technique"] not in TECHNIQUES:
        raise JobError(f"unknown technique {job['technique']!r} (simclr | simsiam)", "technique")
    lrs = job["lrs"]
    if not isinstance(lrs, list) or not lrs:
        raise JobError("job.json field lrs must be a non-empty list of learning rates", "lrs")
    init = job["init"]
    if not isinstance(init, dict) or not isinstance(init.get("weights"), str) \
            or not isinstance(init.get("manifest"), str):
        raise JobError("init must be {weights, manifest} paths relative to the job", "init")
    views = job["views"]
    if not isinstance(views, dict) or not isinstance(views.get("file"), str):
        raise JobError("views must be {file, pairs, size, layout: 'NHWC'}", "views")
    if views.get("layout", "NHWC") != "NHWC":
        raise JobError(f"views layout must be NHWC, got {views.get('layout')!r}", "views")
    return {
        "technique": job["technique"],
        "graph": job["graph"],
        "heads": job["heads"],
        "temperature": _number(job.get("temperature", 0.1), "temperature", 1e-12),
        "momentum": _number(job.get("momentum", 0.9), "momentum", 0, below=1),
        "weight_decay": _number(job.get("weight_decay", 5e-4), "weight_decay", 0),
        "threads": _positive_int(job.get("threads", 1), "threads"),
        "lrs": [_number(lr, "lrs", 0) for lr in lrs],
        "init": {k: os.path.join(job_dir, init[k]) for k in ("weights", "manifest")},
        "views": os.path.join(job_dir, views["file"]),
        "pairs": _positive_int(views.get("pairs"), "views.pairs"),
        "size": _positive_int(views.get("size"), "views.size"),
    }


def read_views(path, pairs, size):
    """2n NHWC float32 images -> one NCHW tensor [2n, 3, s, s] (views a then views b, as tfjs batches them)."""
    expected = 2 * pairs * size * size * 3
    try:
        raw = np.fromfile(path, dtype="<f4")
    except OSError as error:
        raise JobError(f"cannot read views {path}: {error}", "views") from error
    if raw.size != expected:
        raise JobError(f"{path} holds {raw.size} floats, 2×{pairs}×{size}×{size}×3 = {expected} expected", "views")
    nhwc = torch.from_numpy(raw.astype(np.float32).reshape(2 * pairs, size, size, 3))
    return nhwc.permute(0, 3, 1, 2).contiguous()


def loss_of(technique, model, x, pairs, temperature):
    _, z, p = model(x)
    za, zb = z[:pairs], z[pairs:]
    if technique == "simclr":
        return nt_xent(za, zb, temperature)
    return simsiam(p[:pairs], p[pairs:], za, zb)


def checkpoint_order(model, weights):
    encoder = model.encoder.params.names()
    known = set(encoder)
    return encoder + sorted(name for name in weights if name not in known)


def run_sgd_steps(job_dir):
    job = load_sgd_job(job_dir)
    torch.set_num_threads(job["threads"])
    technique = job["technique"]
    model = TrainingModel(GraphEncoder(job["graph"]), Heads(job["heads"], technique))
    weights = read_weights(job["init"]["weights"], job["init"]["manifest"])
    model.encoder.load_project_weights(weights)
    model.heads.params.load_project_weights(weights)
    optimizer = Sgd(model.trainable(), momentum=job["momentum"], weight_decay=job["weight_decay"])
    optimizer.load(weights)
    x = read_views(job["views"], job["pairs"], job["size"])
    model.train()
    out_dir = os.path.join(job_dir, "out")
    os.makedirs(out_dir, exist_ok=True)
    log = []
    for k, lr in enumerate(job["lrs"], start=1):
        for _, p in model.trainable():
            p.grad = None
        loss = loss_of(technique, model, x, job["pairs"], job["temperature"])
        if not torch.isfinite(loss):
            raise JobError(f"loss became {loss.item()} at step {k}", "lrs")
        loss.backward()
        optimizer.step(lr)
        state = {**model.project_weights(), **optimizer.state()}
        step_dir = os.path.join(out_dir, f"step-{k}")
        os.makedirs(step_dir, exist_ok=True)
        write_weights(state, os.path.join(step_dir, "weights.bin"), os.path.join(step_dir, "weights.json"),
                      checkpoint_order(model, state))
        log.append({"step": k, "loss": float(loss.item()), "lr": lr})
    with open(os.path.join(out_dir, "steps.jsonl"), "w", encoding="utf-8") as f:
        f.writelines(json.dumps(entry) + "\n" for entry in log)
    return log


def main_sgd_steps(args):
    """Entry for `python3 -m gibs_embed_torch sgd-steps --job DIR` (a JobError reaches __main__: exit 2)."""
    log = run_sgd_steps(args.job)
    print(json.dumps({"event": "done", "steps": len(log), "losses": [e["loss"] for e in log]}), flush=True)
    return 0
