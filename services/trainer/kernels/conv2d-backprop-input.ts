/**
 * Conv2DBackpropInput for the wasm backend, replacing the stock kernel: that one is a scalar C++ loop,
 * 5–10x slower than the forward convolution it differentiates (measured: 314 ms vs 41 ms for a 3x3 32→32
 * layer, batch 128 at 16 px), while this formulation runs on XNNPACK's convolution.
 *
 * dX = conv_transpose(dY, W). Split the input positions by their phase modulo the stride: the positions with
 * phase (ry, rx) receive contributions only from the filter taps i ≡ ry, j ≡ rx (mod stride), so each phase
 * is a stride-1 correlation of dY with a flipped sub-filter. All phases share dY, so their sub-filters are
 * stacked along the output channels of ONE convolution (filter [T, T, O, s*s*C], T = ceil(k/s)); one JS
 * pass interleaves the phases back into the image (a depth-to-space) and drops the padding border. For
 * stride 1 this is the familiar "convolve with the rotated filter". The stacked filter is tiny and is
 * rearranged in JS.
 */
import { backend_util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { AppError } from '../../../shared/errors/index.js';
import { conv2dInfo, disposeInfos, readInfo, sliceInfo, uploadInfo } from './wasm-kernel-calls.js';
import { kernelErrorCodes } from './kernel-errors.js';

interface BackpropInputAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/** Along one spatial axis: which dY rows the phase convolution reads and how it is padded. */
interface AxisPlan {
  taps: number; // T = ceil(k / s)
  first: number; // q0: first phase row needed
  rows: number; // phase rows computed
  sliceStart: number;
  sliceSize: number;
  padBefore: number;
  padAfter: number;
  cropStart: number; // offset into the interleaved result
}

function planAxis(kernel: number, stride: number, pad: number, size: number, outSize: number): AxisPlan {
  const taps = Math.ceil(kernel / stride);
  const first = Math.floor(pad / stride);
  const last = Math.floor((size - 1 + pad) / stride);
  const rows = last - first + 1;
  // padded-dY row m holds dY[m + a]; the phase convolution reads rows [0, rows + taps - 1)
  const a = first - taps + 1;
  const end = a + rows + taps - 1;
  const sliceStart = Math.max(0, a);
  const sliceEnd = Math.min(outSize, end);
  return {
    taps,
    first,
    rows,
    sliceStart,
    sliceSize: sliceEnd - sliceStart,
    padBefore: Math.max(0, -a),
    padAfter: Math.max(0, end - outSize),
    cropStart: pad - stride * first,
  };
}

/** F[u, v, o, (ry*s + rx)*C + c] = W[s*(Th-1-u) + ry, s*(Tw-1-v) + rx, c, o], zero where the tap is past the kernel. */
function phaseFilter(
  w: Float32Array,
  kh: number,
  kw: number,
  cin: number,
  cout: number,
  s: number,
  th: number,
  tw: number,
): Float32Array {
  const phases = s * s;
  const outC = phases * cin;
  const f = new Float32Array(th * tw * cout * outC);
  for (let u = 0; u < th; u++) {
    for (let v = 0; v < tw; v++) {
      for (let ry = 0; ry < s; ry++) {
        const i = s * (th - 1 - u) + ry;
        if (i >= kh) continue;
        for (let rx = 0; rx < s; rx++) {
          const j = s * (tw - 1 - v) + rx;
          if (j >= kw) continue;
          const phase = ry * s + rx;
          for (let c = 0; c < cin; c++) {
            const src = ((i * kw + j) * cin + c) * cout;
            let dst = (u * tw + v) * cout * outC + phase * cin + c;
            for (let o = 0; o < cout; o++, dst += outC) f[dst] = w[src + o];
          }
        }
      }
    }
  }
  return f;
}

/** out[n, y, x, c] = r[n, (y+cy)/s, (x+cx)/s, (((y+cy)%s)·s + (x+cx)%s)·C + c] */
function interleavePhases(
  r: Float32Array,
  rShape: [number, number, number, number],
  s: number,
  c: number,
  cy: number,
  cx: number,
  out: Float32Array,
  h: number,
  w: number,
): void {
  const [n, rh, rw, rc] = rShape;
  let dst = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      const qy = ((y + cy) / s) | 0;
      const py = (y + cy) % s;
      const rowBase = (b * rh + qy) * rw;
      for (let x = 0; x < w; x++) {
        const qx = ((x + cx) / s) | 0;
        const src = (rowBase + qx) * rc + (py * s + ((x + cx) % s)) * c;
        for (let k = 0; k < c; k++) out[dst++] = r[src + k];
      }
    }
  }
}

export const conv2dBackpropInputWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs as unknown as BackpropInputAttrs;
  if (a.dataFormat === 'NCHW') {
    throw new AppError(kernelErrorCodes.unsupported, 'Conv2DBackpropInput (wasm): only NHWC is supported', {
      retriable: false,
    });
  }
  const info = backend_util.computeConv2DInfo(
    a.inputShape,
    filter.shape as [number, number, number, number],
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const {
    strideHeight: sh,
    strideWidth: sw,
    filterHeight: kh,
    filterWidth: kw,
    inChannels,
    outChannels,
    padInfo,
  } = info;
  if (sh !== sw) {
    throw new AppError(kernelErrorCodes.unsupported, `Conv2DBackpropInput (wasm): unequal strides ${sh}x${sw}`, {
      retriable: false,
    });
  }
  const s = sh;
  const ph = planAxis(kh, s, padInfo.top, info.inHeight, info.outHeight);
  const pw = planAxis(kw, s, padInfo.left, info.inWidth, info.outWidth);
  if (ph.sliceSize <= 0 || pw.sliceSize <= 0) {
    throw new AppError(
      kernelErrorCodes.unsupported,
      'Conv2DBackpropInput (wasm): output gradient does not reach the input',
      {
        retriable: false,
      },
    );
  }

  const temps: TensorInfo[] = [];
  let g = dy;
  if (ph.sliceStart > 0 || pw.sliceStart > 0 || ph.sliceSize < info.outHeight || pw.sliceSize < info.outWidth) {
    g = sliceInfo(wasm, dy, [0, ph.sliceStart, pw.sliceStart, 0], [-1, ph.sliceSize, pw.sliceSize, -1]);
    temps.push(g);
  }
  const f = uploadInfo(
    wasm,
    [ph.taps, pw.taps, outChannels, s * s * inChannels],
    phaseFilter(readInfo(wasm, filter), kh, kw, inChannels, outChannels, s, ph.taps, pw.taps),
  );
  temps.push(f);
  const r = conv2dInfo(wasm, g, f, { top: ph.padBefore, bottom: ph.padAfter, left: pw.padBefore, right: pw.padAfter });
  temps.push(r);
  // interleave the phases and drop the border in one JS pass (the wasm DepthToSpace + Slice took ~10x longer)
  const out = wasm.makeOutput([info.batchSize, info.inHeight, info.inWidth, inChannels], 'float32');
  interleavePhases(
    readInfo(wasm, r),
    r.shape as [number, number, number, number],
    s,
    inChannels,
    ph.cropStart,
    pw.cropStart,
    readInfo(wasm, out),
    info.inHeight,
    info.inWidth,
  );
  disposeInfos(wasm, ...temps);
  return out;
};

export const conv2dBackpropInputWasmConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInputWasm,
};
