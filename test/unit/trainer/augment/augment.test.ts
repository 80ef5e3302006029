import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyColorJitter,
  augmentPair,
  augmentView,
  flipHorizontal,
  flipVertical,
  gaussianBlur,
  resizedCrop,
  rotate90,
  sampleCropBox,
} from '../../../../services/trainer/augment/index.js';
import { createRng } from '../../../../shared/random/index.js';
import { computeChannelStats, normalize } from '../../../../shared/model/image/index.js';
import { AppError } from '../../../../shared/errors/index.js';

function randomImage(size: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const image = new Float32Array(size * size * 3);
  for (let i = 0; i < image.length; i++) image[i] = rng.next();
  return image;
}

function pixel(image: Float32Array, size: number, row: number, col: number): number[] {
  const p = (row * size + col) * 3;
  return [image[p], image[p + 1], image[p + 2]];
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('createRng', () => {
  it('is deterministic under a seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 100 }, () => a.next());
    assert.deepEqual(
      xs,
      Array.from({ length: 100 }, () => b.next()),
    );
    assert.notDeepEqual(
      xs,
      Array.from({ length: 100 }, () => c.next()),
    );
    assert.ok(xs.every((x) => x >= 0 && x < 1));
  });

  it('has roughly uniform, normal and integer draws', () => {
    const rng = createRng(7);
    const n = 20000;
    let sum = 0;
    let sumSq = 0;
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      sumSq += z * z;
      counts[rng.int(5)]++;
    }
    assert.ok(Math.abs(sum / n) < 0.05, `normal mean ${sum / n}`);
    assert.ok(Math.abs(sumSq / n - 1) < 0.05, `normal variance ${sumSq / n}`);
    for (const c of counts) assert.ok(Math.abs(c / n - 0.2) < 0.02, `int(5) frequencies ${counts}`);
    assert.throws(() => rng.int(0), RangeError);
    assert.throws(() => createRng(Number.NaN), RangeError);
  });

  it('forks streams by label, independent of how much the parent consumed', () => {
    const a = createRng(1);
    const b = createRng(1);
    b.next();
    b.next();
    assert.equal(a.fork('worker-1').next(), b.fork('worker-1').next());
    assert.notEqual(a.fork('worker-1').next(), a.fork('worker-2').next());
    assert.notEqual(a.fork('worker-1').next(), createRng(1).next());
  });
});

describe('geometric ops', () => {
  const size = 7;
  const image = randomImage(size, 3);

  it('rotate90 four times is the identity, and one turn moves the top-right corner to the top-left', () => {
    let x = image;
    for (let i = 0; i < 4; i++) x = rotate90(x, size, 1);
    assert.deepEqual(x, image);
    const once = rotate90(image, size, 1);
    assert.deepEqual(pixel(once, size, 0, 0), pixel(image, size, 0, size - 1));
    assert.deepEqual(rotate90(image, size, 2), rotate90(once, size, 1));
    assert.deepEqual(rotate90(image, size, -1), rotate90(image, size, 3));
  });

  it('flips twice are the identity and mirror the right axis', () => {
    assert.deepEqual(flipHorizontal(flipHorizontal(image, size), size), image);
    assert.deepEqual(flipVertical(flipVertical(image, size), size), image);
    assert.deepEqual(pixel(flipHorizontal(image, size), size, 2, 0), pixel(image, size, 2, size - 1));
    assert.deepEqual(pixel(flipVertical(image, size), size, 0, 2), pixel(image, size, size - 1, 2));
  });

  it('rejects a buffer of the wrong size', () => {
    assert.throws(() => rotate90(image, size + 1, 1), RangeError);
    assert.throws(() => flipHorizontal(image, size, image), RangeError);
  });
});

describe('resizedCrop', () => {
  it('a crop of the whole image at the same size (area 1, aspect 1) is the identity', () => {
    const image = randomImage(16, 5);
    assert.deepEqual(resizedCrop(image, 16, { x: 0, y: 0, width: 16, height: 16 }, 16), image);
    const view = augmentView(image, 16, createRng(1), {
      crop: { area: [1, 1], aspect: [1, 1] },
      rotate90: false,
      flipHorizontal: 0,
      flipVertical: 0,
      colorJitter: false,
      grayscale: 0,
      blur: false,
    });
    assert.deepEqual(view, image);
  });

  it('halving is antialiased: a tent over 4 source pixels per axis (weights 1,3,3,1 / 8), not point sampling', () => {
    const size = 8;
    const image = randomImage(size, 9);
    const half = resizedCrop(image, size, { x: 0, y: 0, width: size, height: size }, 4);
    const w = [1 / 8, 3 / 8, 3 / 8, 1 / 8];
    for (let i = 1; i < 3; i++) {
      for (let j = 1; j < 3; j++) {
        for (let c = 0; c < 3; c++) {
          let expected = 0;
          for (let di = 0; di < 4; di++)
            for (let dj = 0; dj < 4; dj++)
              expected += w[di] * w[dj] * image[((2 * i - 1 + di) * size + 2 * j - 1 + dj) * 3 + c];
          assert.ok(Math.abs(half[(i * 4 + j) * 3 + c] - expected) < 1e-6);
        }
      }
    }
    const constant = new Float32Array(size * size * 3).fill(0.25);
    assert.ok(
      resizedCrop(constant, size, { x: 0.3, y: 1.7, width: 5.1, height: 6 }, 3).every((v) => Math.abs(v - 0.25) < 1e-6),
    );
  });

  it('an integer-aligned crop at the same scale copies the sub-image', () => {
    const image = randomImage(10, 11);
    const crop = resizedCrop(image, 10, { x: 3, y: 2, width: 4, height: 4 }, 4);
    assert.deepEqual(pixel(crop, 4, 0, 0), pixel(image, 10, 2, 3));
    assert.deepEqual(pixel(crop, 4, 3, 3), pixel(image, 10, 5, 6));
  });

  it('sampled crop boxes stay inside the image with the requested area and aspect', () => {
    const rng = createRng(3);
    for (let i = 0; i < 500; i++) {
      const box = sampleCropBox(64, [0.5, 1], [3 / 4, 4 / 3], rng.next);
      assert.ok(
        box.x >= 0 && box.y >= 0 && box.x + box.width <= 64 + 1e-9 && box.y + box.height <= 64 + 1e-9,
        JSON.stringify(box),
      );
      const area = (box.width * box.height) / (64 * 64);
      assert.ok(area >= 0.5 - 1e-9 && area <= 1 + 1e-9, `area ${area}`);
      const aspect = box.width / box.height;
      assert.ok(aspect >= 3 / 4 - 1e-9 && aspect <= 4 / 3 + 1e-9, `aspect ${aspect}`);
    }
  });
});

describe('colour and blur', () => {
  it('blur preserves a constant image and the mean of a random one (replicated edges)', () => {
    const size = 12;
    const constant = new Float32Array(size * size * 3).fill(0.37);
    gaussianBlur(constant, size, 1.3);
    for (const v of constant) assert.ok(Math.abs(v - 0.37) < 1e-6);
    const image = randomImage(size, 2);
    const before = computeChannelStats([image]);
    const blurred = gaussianBlur(image.slice(), size, 1.0);
    const after = computeChannelStats([blurred]);
    for (let c = 0; c < 3; c++) {
      assert.ok(Math.abs(before.mean[c] - after.mean[c]) < 0.02);
      assert.ok(after.std[c] < before.std[c] * 0.8, 'blur reduces per-pixel spread');
    }
  });

  it('colour jitter with neutral factors is the identity; grayscale equalises channels; output stays in [0,1]', () => {
    const image = randomImage(8, 4);
    const neutral = applyColorJitter(image.slice(), {
      brightness: 1,
      contrast: 1,
      saturation: 1,
      hue: 0,
      order: [0, 1, 2, 3],
      grayscale: false,
    });
    assert.ok(maxAbsDiff(neutral, image) < 1e-6);
    const grey = applyColorJitter(image.slice(), {
      brightness: 1,
      contrast: 1,
      saturation: 1,
      hue: 0,
      order: [0, 1, 2, 3],
      grayscale: true,
    });
    for (let i = 0; i < grey.length; i += 3) {
      assert.ok(Math.abs(grey[i] - grey[i + 1]) < 1e-6 && Math.abs(grey[i] - grey[i + 2]) < 1e-6);
      assert.ok(Math.abs(grey[i] - (0.299 * image[i] + 0.587 * image[i + 1] + 0.114 * image[i + 2])) < 1e-5);
    }
    const strong = applyColorJitter(image.slice(), {
      brightness: 1.4,
      contrast: 1.4,
      saturation: 1.4,
      hue: 0.1,
      order: [3, 1, 0, 2],
      grayscale: false,
    });
    assert.ok(strong.every((v) => v >= 0 && v <= 1));
    assert.ok(maxAbsDiff(strong, image) > 0.05);
  });

  it('brightness scales and contrast keeps the mean luma', () => {
    const image = randomImage(8, 6).map((v) => v * 0.5);
    const bright = applyColorJitter(image.slice(), {
      brightness: 1.5,
      contrast: 1,
      saturation: 1,
      hue: 0,
      order: [0, 1, 2, 3],
      grayscale: false,
    });
    for (let i = 0; i < image.length; i++) assert.ok(Math.abs(bright[i] - image[i] * 1.5) < 1e-6);
    const luma = (x: Float32Array) => {
      let s = 0;
      for (let i = 0; i < x.length; i += 3) s += 0.299 * x[i] + 0.587 * x[i + 1] + 0.114 * x[i + 2];
      return s / (x.length / 3);
    };
    const lowContrast = applyColorJitter(image.slice(), {
      brightness: 1,
      contrast: 0.6,
      saturation: 1,
      hue: 0,
      order: [1, 0, 2, 3],
      grayscale: false,
    });
    assert.ok(Math.abs(luma(lowContrast) - luma(image)) < 1e-5);
  });
});

describe('normalize and computeChannelStats', () => {
  it('normalising with stats of the same data gives zero mean and unit std per channel', () => {
    const images = [randomImage(9, 1), randomImage(9, 2).map((v) => 0.2 + 0.3 * v)];
    const stats = computeChannelStats(images);
    const normalised = images.map((image) => normalize(image, stats));
    const after = computeChannelStats(normalised);
    for (let c = 0; c < 3; c++) {
      assert.ok(Math.abs(after.mean[c]) < 1e-5, `mean ${after.mean[c]}`);
      assert.ok(Math.abs(after.std[c] - 1) < 1e-4, `std ${after.std[c]}`);
    }
  });

  it('rejects non-RGB buffers and empty lists', () => {
    assert.throws(() => computeChannelStats([new Float32Array(4)]), RangeError);
    assert.throws(() => computeChannelStats([]), RangeError);
  });
});

describe('augmentView / augmentPair', () => {
  const size = 32;
  const n = 4;
  const batch = new Float32Array(n * size * size * 3);
  for (let i = 0; i < n; i++) batch.set(randomImage(size, 100 + i), i * size * size * 3);

  it('is deterministic under a seed', () => {
    const one = augmentPair(batch, n, size, createRng(5));
    const two = augmentPair(batch, n, size, createRng(5));
    assert.deepEqual(one.a, two.a);
    assert.deepEqual(one.b, two.b);
    const other = augmentPair(batch, n, size, createRng(6));
    assert.ok(maxAbsDiff(one.a, other.a) > 0.01);
  });

  it('the two views of an image differ, and have the requested shape and range', () => {
    const { a, b } = augmentPair(batch, n, size, createRng(8), { outSize: 16 });
    assert.equal(a.length, n * 16 * 16 * 3);
    assert.equal(b.length, a.length);
    const per = 16 * 16 * 3;
    for (let i = 0; i < n; i++)
      assert.ok(
        maxAbsDiff(a.subarray(i * per, (i + 1) * per), b.subarray(i * per, (i + 1) * per)) > 0.01,
        `views of image ${i} are equal`,
      );
    assert.ok(a.every((v) => v >= 0 && v <= 1));
  });

  it('applies normalisation last', () => {
    const stats = {
      mean: [0.5, 0.5, 0.5] as [number, number, number],
      std: [0.25, 0.25, 0.25] as [number, number, number],
    };
    const plain = augmentView(batch.subarray(0, size * size * 3), size, createRng(9));
    const normalised = augmentView(batch.subarray(0, size * size * 3), size, createRng(9), { normalization: stats });
    for (let i = 0; i < plain.length; i++) assert.ok(Math.abs(normalised[i] - (plain[i] - 0.5) / 0.25) < 1e-5);
  });

  it('augments a 128 px tile down to a 64 px view', () => {
    const tile = randomImage(128, 12);
    const view = augmentView(tile, 128, createRng(1), { outSize: 64 });
    assert.equal(view.length, 64 * 64 * 3);
  });

  it('refuses bad options and mis-sized batches with a clear error', () => {
    assert.throws(() => augmentPair(batch, n + 1, size, createRng(1)), RangeError);
    assert.throws(
      () => augmentView(batch.subarray(0, size * size * 3), size, createRng(1), { flipHorizontal: 2 }),
      (e: unknown) => e instanceof AppError && /flipHorizontal/.test(e.message),
    );
    assert.throws(
      () => augmentView(batch.subarray(0, size * size * 3), size, createRng(1), { crop: { area: [0.9, 0.5] } }),
      /crop\.area/,
    );
    assert.throws(
      () =>
        augmentView(batch.subarray(0, size * size * 3), size, createRng(1), {
          normalization: { mean: [0, 0, 0], std: [1, 0, 1] },
        }),
      /normalization/,
    );
  });
});
