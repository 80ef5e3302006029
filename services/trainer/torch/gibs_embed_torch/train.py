"""The training loop, one process per rank: DDP over gloo (cpu) or nccl (cuda, one GPU per process) when
WORLD_SIZE > 1, initialised from MASTER_ADDR/MASTER_PORT/RANK/WORLD_SIZE. Both views of a shard run as one
batch of 2n (batch-norm statistics over both, as replica.ts). Gradients are averaged by DDP, weighted by
shard size; moving statistics are averaged the same way after every step (DDP's own buffer broadcast is
off: it would keep rank 0's and drop the others'). Rank 0 prints progress and writes the outputs."""
import datetime
import json
import os
import time

import numpy as np
import torch
import torch.distributed as dist

from .augment import Augmenter
from .data import ShardedBatches, load_sample
from .errors import JobError
from .graph_model import GraphEncoder, graph_param_specs, validate_graph
from .heads import Heads, TrainingModel
from .job import load_train_job
from .losses import nt_xent, simsiam
from .optim import Sgd, learning_rate_at
from .weights_io import read_weights, write_weights

# tests only: this rank dies abruptly (no cleanup) at the start of step CRASH_STEP
CRASH_RANK_ENV = "GIBS_EMBED_TORCH_CRASH_RANK"
CRASH_STEP_ENV = "GIBS_EMBED_TORCH_CRASH_STEP"


def emit(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


def collapse_std(embeddings):
    """Mean over dimensions of the per-dimension population std (shared/model/eval collapseStdPacked)."""
    e = embeddings.detach().to("cpu", torch.float64)
    if e.shape[0] < 2:
        return 0.0
    return float(torch.sqrt(((e - e.mean(0)) ** 2).mean(0)).mean())


def dist_env():
    try:
        rank = int(os.environ.get("RANK", "0"))
        world = int(os.environ.get("WORLD_SIZE", "1"))
        local_rank = int(os.environ.get("LOCAL_RANK", str(rank)))
    except ValueError as error:
        raise JobError(f"RANK / WORLD_SIZE / LOCAL_RANK must be integers: {error}", "env") from error
    if world < 1 or not 0 <= rank < world:
        raise JobError(f"RANK {rank} outside WORLD_SIZE {world}", "env")
    return rank, world, local_rank


def build_model(job, device):
    validate_graph(job["graph"])
    encoder = GraphEncoder(job["graph"], seed=job["seed"])
    heads = Heads(job["heads"], job["technique"], seed=job["seed"] + 1)
    dim = job["graph"].get("embeddingDim")
    projector_in = next((l["inDim"] for l in job["heads"]["projector"]["layers"] if l["op"] == "dense"), None)
    if dim is not None and projector_in != dim:
        raise JobError(f"the projector takes {projector_in} features, the encoder gives {dim}", "heads")
    return TrainingModel(encoder, heads).to(device)


def run_train(job_dir):
    job = load_train_job(job_dir)
    rank, world, local_rank = dist_env()
    torch.set_num_threads(job["threads"])
    if job["device"] == "cuda":
        if not torch.cuda.is_available():
            raise JobError("device cuda requested but torch sees no CUDA device", "device")
        torch.cuda.set_device(local_rank)
        device = torch.device("cuda", local_rank)
    else:
        device = torch.device("cpu")
    images = load_sample(job_dir)
    if images.shape[1] < 1:
        raise JobError("empty images", "sample")
    model = build_model(job, device)
    batches = ShardedBatches(images.shape[0], job["batch_size"], world, rank, job["seed"])
    init = read_weights(job["init"]["weights"], job["init"]["manifest"]) if job["init"] else {}
    if init:
        model.encoder.load_project_weights(init, require_all=True)
        model.heads.params.load_project_weights(init, require_all=False)
    optimizer = Sgd(model.trainable(), job["momentum"], job["weight_decay"])
    if init:
        optimizer.load(init)
    augmenter = Augmenter(job["augment"], job["input_size"], np.random.default_rng([job["seed"] + rank,
                                                                                   job["resume_step"]]), device)
    out_dir = os.path.join(job_dir, "out")
    if rank == 0:
        os.makedirs(out_dir, exist_ok=True)
        for stale in ("done.json", "train-log.jsonl"):
            if os.path.exists(os.path.join(out_dir, stale)):
                os.remove(os.path.join(out_dir, stale))

    if world > 1:
        backend = "nccl" if job["device"] == "cuda" else "gloo"
        dist.init_process_group(backend, init_method="env://", rank=rank, world_size=world,
                                timeout=datetime.timedelta(seconds=job["timeout_seconds"]))
        net = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[local_rank] if job["device"] == "cuda" else None, broadcast_buffers=False)
        # the same starting point everywhere (DDP broadcast the parameters; the statistics are buffers)
        for _, buf in model.buffers_named():
            dist.broadcast(buf, 0)
    else:
        net = model
    return train_loop(job, rank, world, model, net, optimizer, augmenter, batches, images, device, out_dir)


def train_loop(job, rank, world, model, net, optimizer, augmenter, batches, images, device, out_dir):
    batch, steps, start = job["batch_size"], job["steps"], job["resume_step"]
    n = batches.local
    share = n / batch  # this rank's weight in the global means
    crash_rank = os.environ.get(CRASH_RANK_ENV)
    crash_step = int(os.environ.get(CRASH_STEP_ENV, "1"))
    if rank == 0:
        emit("start", rank=rank, world_size=world, device=job["device"], technique=job["technique"],
             steps=steps, resume_step=start, batch_size=batch, images=int(images.shape[0]), torch=torch.__version__)
    log = open(os.path.join(out_dir, "train-log.jsonl"), "a", encoding="utf-8") if rank == 0 else None
    began = time.perf_counter()
    timed_seconds, timed_steps, first_seconds = 0.0, 0, 0.0
    net.train()
    for step in range(start, steps):
        if crash_rank is not None and int(crash_rank) == rank and step - start == crash_step:
            os._exit(3)
        t0 = time.perf_counter()
        chosen = images[torch.tensor(batches.indices(step), dtype=torch.long)]
        x = torch.cat([augmenter.view(chosen), augmenter.view(chosen)], 0)
        embedding, z, p = net(x)
        za, zb = z[:n], z[n:]
        if job["technique"] == "simclr":
            loss = nt_xent(za, zb, job["temperature"])
        else:
            loss = simsim_pair(p, za, zb, n)
        optimizer_zero(model)
        # DDP averages over ranks; scaling by n·world/batch makes that the shard-size-weighted mean
        (loss * (share * world)).backward()
        lr = learning_rate_at(job["lr"], steps, job["warmup_steps"], step)
        optimizer.step(lr)
        metrics = torch.tensor([float(loss.detach()) * share, collapse_std(embedding) * share], dtype=torch.float64)
        if world > 1:
            with torch.no_grad():
                for _, buf in model.buffers_named():
                    buf.mul_(share)
                    dist.all_reduce(buf)
            metrics = metrics.to(device)
            dist.all_reduce(metrics)
        step_loss, step_collapse = (float(v) for v in metrics.cpu())
        if not np.isfinite(step_loss):
            raise RuntimeError(f"loss became {step_loss} at step {step}; lower the learning rate")
        seconds = time.perf_counter() - t0
        if step == start:
            first_seconds = seconds
        else:
            timed_steps += 1
            timed_seconds += seconds
        per_step = timed_seconds / timed_steps if timed_steps else first_seconds
        pps = batch / per_step if per_step > 0 else 0.0
        if rank == 0:
            log.write(json.dumps({"step": step, "loss": step_loss, "lr": lr, "seconds": seconds,
                                  "collapse_std": step_collapse}) + "\n")
            log.flush()
            emit("step", step=step, steps=steps, loss=step_loss, lr=lr, pairs_per_second=pps,
                 collapse_std=step_collapse)
    total = time.perf_counter() - began
    per_step = timed_seconds / timed_steps if timed_steps else first_seconds
    pps = batch / per_step if per_step > 0 else 0.0
    if world > 1:
        dist.barrier()
    if rank == 0:
        log.close()
        write_outputs(job, model, optimizer, out_dir, steps, int(images.shape[0]), total, pps)
        emit("done", steps=steps, images=int(images.shape[0]), seconds=total, pairs_per_second=pps)
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return 0


def simsim_pair(p, za, zb, n):
    return simsiam(p[:n], p[n:], za, zb)


def optimizer_zero(model):
    for p in model.parameters():
        p.grad = None


def write_outputs(job, model, optimizer, out_dir, steps, count, seconds, pps):
    weights = {**model.project_weights(), **optimizer.state()}
    for name, t in weights.items():
        if not torch.isfinite(t).all():
            raise RuntimeError(f"trained weights {name} contain NaN or Infinity")
    encoder = [s[0] for s in graph_param_specs(job["graph"])]
    known = set(encoder)
    order = encoder + sorted(k for k in weights if k not in known)
    write_weights(weights, os.path.join(out_dir, "weights.bin"), os.path.join(out_dir, "weights.json"), order)
    done = {"steps": steps, "images": count, "seconds": seconds, "pairs_per_second": pps}
    tmp = os.path.join(out_dir, "done.json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(done, f)
    os.replace(tmp, os.path.join(out_dir, "done.json"))
