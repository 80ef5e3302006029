import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * PyTorch on this same CPU, for ratios measured side by side in one bench run (Debian's python3-torch;
 * optional: without it the comparison rows are simply absent).
 */
const run = promisify(execFile);

/**
 * The PyTorch side of the training benchmark: the same half-width ResNet-18 (7x7/2 stem + max pool, basic
 * blocks [2,2,2,2], width 32, batch norm), SimCLR head (dim → dim → BN → ReLU → 128) and NT-Xent (τ 0.1),
 * SGD step on random 64 px views, 2 threads. argv: pairs, size, timed steps[, 'infer']. Prints pairs/s last;
 * in 'infer' mode the encoder alone in eval mode under no_grad, `pairs` images per batch, images/s.
 */
export const torchReferenceScript = String.raw`
import sys, time, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(2)
pairs, size, steps = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
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
if len(sys.argv) > 4 and sys.argv[4] == 'infer':
    encoder.eval()
    x = torch.randn(pairs, 3, size, size)
    with torch.no_grad():
        encoder(x)
        t0 = time.time()
        for _ in range(steps): F.normalize(encoder(x), dim=1)
    print(steps * pairs / (time.time() - t0))
    sys.exit(0)
head = nn.Sequential(nn.Linear(cin, cin, bias=False), nn.BatchNorm1d(cin), nn.ReLU(), nn.Linear(cin, 128))
params = list(encoder.parameters()) + list(head.parameters())
opt = torch.optim.SGD(params, lr=0.05, momentum=0.9, weight_decay=5e-4)
def step(x):
    z = F.normalize(head(encoder(x)), dim=1)
    logits = z @ z.t() / 0.1
    logits.fill_diagonal_(-1e9)
    n = x.shape[0] // 2
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    loss = F.cross_entropy(logits, target)
    opt.zero_grad(); loss.backward(); opt.step()
x = torch.randn(2 * pairs, 3, size, size)
step(x)
t0 = time.time()
for _ in range(steps): step(x)
print(steps * pairs / (time.time() - t0))
`;

/** Runs the PyTorch reference (see torchReferenceScript) and returns its rate. */
export async function torchReferenceRate(python: string, args: { batch: number; size: number; steps: number; mode: 'train' | 'infer' }): Promise<number> {
  const { stdout } = await run(python, ['-c', torchReferenceScript, String(args.batch), String(args.size), String(args.steps), args.mode], { timeout: 600_000 });
  return Number(stdout.trim().split('\n').pop());
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

