"""python3 -m gibs_embed_torch {train,forward,sgd-steps} --job DIR | check.
Exit codes: 0 done; 2 bad input (job.json, sample, weights); 1 anything else (a crashed peer rank, a
diverged loss). Errors go to stdout as {"event":"error",...} (rank 0 only for train) and to stderr."""
import argparse
import json
import os
import platform
import sys
import traceback

# OpenMP threads that spin while waiting collapse on a shared or oversubscribed CPU (measured 6 vs 26 pairs/s
# with 2 threads beside other work); passive waiting costs little on a dedicated host. Must precede `import
# torch` (libgomp reads it when it loads); an explicit setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _rank():
    return int(os.environ.get("RANK", "0")) if os.environ.get("RANK", "0").isdigit() else 0


def _report(code, message, field=None):
    sys.stderr.write(traceback.format_exc())
    if _rank() == 0:
        event = {"event": "error", "message": message}
        if field is not None:
            event["field"] = field
        print(json.dumps(event), flush=True)
    sys.stderr.flush()
    # a failed collective can leave gloo/nccl threads that would hold the process: leave at once
    os._exit(code)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="gibs_embed_torch")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("train", "forward", "sgd-steps"):
        sub.add_parser(name).add_argument("--job", required=True, help="the job directory")
    sub.add_parser("check")
    args = parser.parse_args(argv)
    try:
        import numpy  # noqa: F401 — both reported as a clear error below when missing
        import torch

        from .errors import JobError
    except ImportError as error:
        print(json.dumps({"event": "error", "message": f"{error}: install PyTorch and numpy for this "
                                                       f"python ({sys.executable}), e.g. apt install python3-torch "
                                                       f"python3-numpy"}),
              flush=True)
        return 3
    try:
        if args.command == "check":
            print(json.dumps({"torch": torch.__version__, "cuda": bool(torch.cuda.is_available()),
                              "python": platform.python_version(), "numpy": numpy.__version__}), flush=True)
            return 0
        if args.command == "train":
            from .train import run_train

            return run_train(args.job)
        if args.command == "forward":
            from .forward import run_forward

            return run_forward(args.job)
        from . import parity  # written beside this package by the parity work; imported only when asked

        return parity.main_sgd_steps(args)
    except JobError as error:
        _report(2, str(error), error.field)
    except Exception as error:  # noqa: BLE001 — every failure must reach TS as an error event and exit code
        _report(1, f"{type(error).__name__}: {error}")
    return 1


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code) if code else sys.exit(0)
