"""The training sample TS prepared (sample/sample.json + raw uint8 NHWC bytes, held-out cells already
black), sharded per rank with a DistributedSampler (shuffled per epoch with the job's seed)."""
import os

import numpy as np
import torch
from torch.utils.data.distributed import DistributedSampler

from .errors import JobError
from .job import read_json


def load_sample(job_dir):
    """uint8 tensor [N, H, W, 3]."""
    sample_dir = os.path.join(job_dir, "sample")
    meta = read_json(os.path.join(sample_dir, "sample.json"), "sample")
    try:
        count, h, w, c = (int(meta[k]) for k in ("count", "height", "width", "channels"))
        dtype, layout, file = meta["dtype"], meta["layout"], meta["file"]
    except (KeyError, TypeError, ValueError) as error:
        raise JobError(f"sample/sample.json lacks or mistypes {error}", "sample") from error
    if dtype != "uint8" or layout != "NHWC" or c != 3 or h != w or count < 1:
        raise JobError(f"sample must be square uint8 NHWC RGB with count >= 1, got {meta!r}", "sample")
    path = os.path.join(sample_dir, file)
    size = os.path.getsize(path) if os.path.exists(path) else -1
    if size != count * h * w * c:
        raise JobError(f"{path} has {size} bytes, sample.json describes {count * h * w * c}", "sample")
    return torch.from_numpy(np.fromfile(path, dtype=np.uint8).reshape(count, h, w, c))


def shard_sizes(batch, world):
    """As even as possible, earlier ranks take the remainder (as trainer.ts)."""
    return [batch // world + (1 if r < batch % world else 0) for r in range(world)]


class ShardedBatches:
    """Step k's local batch of indices, the same on every restart (epoch = k // steps_per_epoch)."""

    def __init__(self, count, batch, world, rank, seed):
        self.sizes = shard_sizes(batch, world)
        self.local = self.sizes[rank]
        self.sampler = DistributedSampler(range(count), num_replicas=world, rank=rank, shuffle=True, seed=seed,
                                          drop_last=True)
        per_rank = len(self.sampler)
        # the largest shard fixes the steps per epoch, so every rank runs the same number of steps
        self.steps_per_epoch = per_rank // max(self.sizes)
        if self.steps_per_epoch < 1 or self.local < 1:
            raise JobError(f"the sample has {count} images: too few for batch_size {batch} over {world} ranks",
                           "batch_size")
        self._epoch = -1
        self._order = []

    def indices(self, step):
        epoch = step // self.steps_per_epoch
        if epoch != self._epoch:
            self.sampler.set_epoch(epoch)
            self._order = list(self.sampler)
            self._epoch = epoch
        start = (step % self.steps_per_epoch) * self.local
        return self._order[start:start + self.local]
