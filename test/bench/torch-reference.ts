import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * PyTorch on this same CPU, for ratios measured side by side in one bench run (Debian's python3-torch;
 * optional: without it the comparison rows are simply absent).
 *
 * Only those same-run ratios mean anything. Absolute rates of one script move with the machine and its
 * load: DESIGN.md's ~305 images/s and an earlier bench's ~159 for the same training step were two runs on
 * two machines of the same type, and both scripts gave 170–220 side by side on one machine. So the
 * reference is measured the way the tfjs side is: warm-up steps first (MKL-DNN/oneDNN primitive set-up,
 * allocator growth), then every step timed on its own, the median reported with the spread beside it.
 */
const run = promisify(execFile);

/**
 * The PyTorch side: the same half-width ResNet-18 (7x7/2 stem + max pool, basic blocks [2,2,2,2], width 32,
 * batch norm), SimCLR head (dim → dim → BN → ReLU → 128) and NT-Xent (τ 0.1), SGD step on random 64 px
 * views, 2 threads. argv: pairs, size, timed steps, mode ('train' | 'infer'), warm-up steps. In 'infer'
 * mode one step is the encoder alone in eval mode under no_grad on `pairs` images. Prints one JSON line:
 * the seconds of every timed step and how many images (pairs) a step handles.
 */
export const torchReferenceScript = String.raw`
import json, sys, time, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(2)
pairs, size, steps, mode, warmup = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
torch.manual_seed(1)
def unit(cin, cout, k, s, relu=True):
    layers = [nn.Conv2d(cin, cout, k, s, (k - 1) // 2, bias=False), nn.BatchNorm2d(cout)]
    return nn.Sequential(*(layers + [nn.ReLU()] if relu else layers))
class Block(nn.Module):
    def __init__(self, cin, cout, s):
        super().__init__()
        self.a, self.b = unit(cin, cout, 3, s), unit(cout, cout, 3, 1, False)
        self.down = unit(cin, cout, 1, s, False) if s != 1 or cin != cout else nn.Identity()
    def forward(self, x):
        return F.relu(self.b(self.a(x)) + self.down(x))
w = 32
layers = [unit(3, w, 7, 2), nn.MaxPool2d(3, 2, 1)]
cin = w
for stage in range(4):
    cout = w * 2 ** stage
    for b in range(2):
        layers.append(Block(cin, cout, 2 if stage > 0 and b == 0 else 1)); cin = cout
encoder = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
if mode == 'infer':
    encoder.eval()
    x = torch.randn(pairs, 3, size, size)
    def step():
        with torch.no_grad():
            F.normalize(encoder(x), dim=1)
else:
    head = nn.Sequential(nn.Linear(cin, cin, bias=False), nn.BatchNorm1d(cin), nn.ReLU(), nn.Linear(cin, 128))
    params = list(encoder.parameters()) + list(head.parameters())
    opt = torch.optim.SGD(params, lr=0.05, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(2 * pairs, 3, size, size)
    target = torch.cat([torch.arange(pairs, 2 * pairs), torch.arange(0, pairs)])
    def step():
        z = F.normalize(head(encoder(x)), dim=1)
        logits = z @ z.t() / 0.1
        logits.fill_diagonal_(-1e9)
        loss = F.cross_entropy(logits, target)
        opt.zero_grad(); loss.backward(); opt.step()
for _ in range(warmup): step()
seconds = []
for _ in range(steps):
    t0 = time.perf_counter(); step(); seconds.append(time.perf_counter() - t0)
print(json.dumps({'seconds': seconds, 'images_per_step': pairs, 'threads': torch.get_num_threads(), 'torch': torch.__version__}))
`;

export interface TorchReferenceArgs {
  /** pairs per training step, or images per inference call */
  batch: number;
  size: number;
  /** timed steps (each timed on its own) */
  steps: number;
  /** untimed steps first (default 2) */
  warmup?: number;
  mode: 'train' | 'infer';
}

/** Rates in images (pairs) per second; the bench reports the median and the spread beside it. */
export interface TorchReferenceRate {
  median: number;
  min: number;
  max: number;
  /** (max − min) / median over the timed steps: how much the shared machine moved the numbers */
  spread: number;
  steps: number;
  warmup: number;
  torch: string;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median rate and spread of per-step times (seconds) for `items` images a step. */
export function summariseSteps(
  seconds: readonly number[],
  items: number,
): { median: number; min: number; max: number; spread: number } {
  const rates = seconds.map((s) => items / s);
  const med = items / median(seconds);
  const min = Math.min(...rates),
    max = Math.max(...rates);
  return { median: med, min, max, spread: (max - min) / med };
}

/** Runs the PyTorch reference (see torchReferenceScript). */
export async function torchReferenceRate(python: string, args: TorchReferenceArgs): Promise<TorchReferenceRate> {
  const warmup = args.warmup ?? 2;
  if (!Number.isInteger(args.steps) || args.steps < 1 || !Number.isInteger(warmup) || warmup < 0) {
    throw new RangeError(`steps must be ≥ 1 and warmup ≥ 0 (integers), got ${args.steps} and ${warmup}`);
  }
  const argv = [String(args.batch), String(args.size), String(args.steps), args.mode, String(warmup)];
  const { stdout } = await run(python, ['-c', torchReferenceScript, ...argv], { timeout: 600_000 });
  const out = JSON.parse(stdout.trim().split('\n').pop() ?? '') as {
    seconds: number[];
    images_per_step: number;
    torch: string;
  };
  if (!Array.isArray(out.seconds) || out.seconds.length !== args.steps || !out.seconds.every((s) => s > 0)) {
    throw new Error(`PyTorch reference printed an unexpected result: ${stdout.slice(0, 200)}`);
  }
  return { ...summariseSteps(out.seconds, out.images_per_step), steps: args.steps, warmup, torch: out.torch };
}

/** The first Python that imports torch: PATH's python3 may be a private build that cannot see Debian's python3-torch. */
export async function torchPython(): Promise<string | undefined> {
  for (const python of ['python3', '/usr/bin/python3']) {
    try {
      await run(python, ['-c', 'import torch'], { timeout: 60_000 });
      return python;
    } catch {
      // not importable there: try the next one; with none, the comparison is simply not made
    }
  }
  return undefined;
}
