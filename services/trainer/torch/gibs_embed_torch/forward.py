"""`forward --job DIR`: embeds a given float32 NHWC input with given weights (parity checks against tfjs and
ONNX). job.json: {graph, weights: {weights, manifest} (paths relative to the job), input: {file, shape
[n, h, w, 3]}, threads?, training? (false: moving statistics)}. Writes out/embedding.f32 (float32 LE
[n, dim]) and out/embedding.json {shape}."""
import json
import os

import numpy as np
import torch

from .errors import JobError
from .graph_model import GraphEncoder
from .job import read_json
from .train import emit
from .weights_io import read_weights


def run_forward(job_dir):
    job = read_json(os.path.join(job_dir, "job.json"), "job.json")
    for name in ("graph", "weights", "input"):
        if not isinstance(job, dict) or name not in job:
            raise JobError(f"job.json lacks the field {name}", name)
    torch.set_num_threads(int(job.get("threads", 1)))
    spec = job["input"]
    shape = spec.get("shape") if isinstance(spec, dict) else None
    if not isinstance(shape, list) or len(shape) != 4 or shape[3] != 3:
        raise JobError(f"input.shape must be [n, h, w, 3], got {shape!r}", "input")
    path = os.path.join(job_dir, spec["file"])
    data = np.fromfile(path, dtype="<f4") if os.path.exists(path) else np.zeros(0, dtype="<f4")
    if data.size != int(np.prod(shape)):
        raise JobError(f"{path} holds {data.size} floats, input.shape needs {int(np.prod(shape))}", "input")
    encoder = GraphEncoder(job["graph"])
    w = job["weights"]
    encoder.load_project_weights(read_weights(os.path.join(job_dir, w["weights"]),
                                              os.path.join(job_dir, w["manifest"])))
    encoder.train(bool(job.get("training", False)))
    x = torch.from_numpy(data.astype(np.float32).reshape(shape)).permute(0, 3, 1, 2).contiguous()
    with torch.no_grad():
        embedding, _ = encoder(x)
    out_dir = os.path.join(job_dir, "out")
    os.makedirs(out_dir, exist_ok=True)
    embedding.numpy().astype("<f4").tofile(os.path.join(out_dir, "embedding.f32"))
    with open(os.path.join(out_dir, "embedding.json"), "w", encoding="utf-8") as f:
        json.dump({"shape": list(embedding.shape)}, f)
    emit("done", shape=list(embedding.shape))
    return 0
