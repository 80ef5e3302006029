"""Reads and checks job.json (written by TypeScript): every problem is a JobError naming the field."""
import json
import os

from .errors import JobError
from .heads import TECHNIQUES

REQUIRED = ("technique", "graph", "arch", "heads", "input_size", "steps", "batch_size", "lr", "warmup_steps",
            "momentum", "weight_decay", "temperature", "seed", "augment", "device", "threads")


def read_json(path, field):
    try:
        with open(path, "r", encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError as error:
        raise JobError(f"{path} does not exist", field) from error
    except (OSError, ValueError) as error:
        raise JobError(f"{path} is not readable JSON: {error}", field) from error


def _number(job, name, minimum, integer=False, below=None):
    v = job[name]
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and v >= minimum and (below is None or v < below)
    if integer:
        ok = ok and float(v).is_integer()
    if not ok:
        bound = f" and < {below}" if below is not None else ""
        kind = "an integer" if integer else "a number"
        raise JobError(f"job.json field {name} must be {kind} >= {minimum}{bound}, got {v!r}", name)
    return int(v) if integer else float(v)


def load_train_job(job_dir):
    job = read_json(os.path.join(job_dir, "job.json"), "job.json")
    if not isinstance(job, dict):
        raise JobError("job.json must be an object", "job.json")
    for name in REQUIRED:
        if name not in job:
            raise JobError(f"job.json lacks the field {name}", name)
    if job["technique"] not in TECHNIQUES:
        raise JobError(f"unknown technique {job['technique']!r} (simclr | simsiam)", "technique")
    if job["device"] not in ("cpu", "cuda"):
        raise JobError(f"unknown device {job['device']!r} (cpu | cuda)", "device")
    out = dict(job)
    for name in ("input_size", "batch_size", "threads"):
        out[name] = _number(job, name, 1, integer=True)
    for name in ("steps", "warmup_steps", "seed"):
        out[name] = _number(job, name, 0, integer=True)
    out["resume_step"] = 0 if job.get("resume_step") is None else _number(job, "resume_step", 0, integer=True)
    out["lr"] = _number(job, "lr", 0)
    out["momentum"] = _number(job, "momentum", 0, below=1)
    out["weight_decay"] = _number(job, "weight_decay", 0)
    out["temperature"] = _number(job, "temperature", 1e-12)
    out["timeout_seconds"] = 300.0 if job.get("timeout_seconds") is None else _number(job, "timeout_seconds", 1)
    if out["steps"] < 1:
        raise JobError("job.json field steps must be >= 1", "steps")
    if out["resume_step"] > out["steps"]:
        raise JobError(f"resume_step {out['resume_step']} is past steps {out['steps']}", "resume_step")
    init = job.get("init")
    if init is not None:
        if not isinstance(init, dict) or not isinstance(init.get("weights"), str) \
                or not isinstance(init.get("manifest"), str):
            raise JobError("init must be null or {weights, manifest} paths relative to the job", "init")
        out["init"] = {k: os.path.join(job_dir, init[k]) for k in ("weights", "manifest")}
    else:
        out["init"] = None
    return out
