"""The project's weights.bin format (shared/model/checkpoint/weights-layout.ts): float32 little-endian arrays
concatenated, described by a JSON list of {name, shape, offset (bytes), length (elements)}."""
import json
import os

import numpy as np
import torch

from .errors import JobError


def read_weights(bin_path, manifest_path):
    """name -> float32 CPU tensor (copies, in manifest order)."""
    try:
        with open(manifest_path, "r", encoding="utf-8") as f:
            manifest = json.load(f)
        raw = np.fromfile(bin_path, dtype="<f4")
    except (OSError, ValueError) as error:
        raise JobError(f"cannot read weights {bin_path} / {manifest_path}: {error}", "init") from error
    if not isinstance(manifest, list):
        raise JobError(f"{manifest_path} is not a list of arrays", "init")
    total = raw.size * 4
    out = {}
    for entry in manifest:
        try:
            name, shape, offset, length = entry["name"], list(entry["shape"]), int(entry["offset"]), int(entry["length"])
        except (KeyError, TypeError, ValueError) as error:
            raise JobError(f"{manifest_path}: bad entry {entry!r}", "init") from error
        if int(np.prod(shape, dtype=np.int64)) != length or offset % 4 or offset + length * 4 > total:
            raise JobError(f"{manifest_path}: {name} (shape {shape}, offset {offset}, length {length}) "
                           f"does not fit {bin_path} ({total} bytes)", "init")
        start = offset // 4
        data = raw[start:start + length].astype(np.float32, copy=True).reshape(shape)
        out[name] = torch.from_numpy(data)
    return out


def write_weights(weights, bin_path, manifest_path, order):
    """Writes `order`'s arrays contiguously (atomic: temp files then rename)."""
    manifest = []
    offset = 0
    tmp_bin = bin_path + ".tmp"
    with open(tmp_bin, "wb") as f:
        for name in order:
            t = weights[name].detach().to("cpu", torch.float32).contiguous()
            arr = t.numpy().astype("<f4", copy=False)
            f.write(arr.tobytes())
            manifest.append({"name": name, "shape": list(t.shape), "offset": offset, "length": int(arr.size)})
            offset += arr.size * 4
    tmp_manifest = manifest_path + ".tmp"
    with open(tmp_manifest, "w", encoding="utf-8") as f:
        json.dump(manifest, f)
    os.replace(tmp_bin, bin_path)
    os.replace(tmp_manifest, manifest_path)
    return manifest
