/**
 * A convolution over a tiny feature map (ResNet's last stage at 64 px input works on 2x2 maps) computed as
 * one dense matrix product: every output pixel is a fixed linear function of the whole input map, so
 * y[n, :] = x[n, :] · Wbig with Wbig[(iy, ix, ci), (oy, ox, co)] = W[iy − oy·s + p, ix − ox·s + p, ci, co]
 * (zero outside the kernel). On a 2x2 map a padded 3x3 convolution multiplies mostly padding: the dense
 * product does 4·4 block products instead of 9 taps × 4 pixels, and XNNPACK runs it as one untransposed
 * GEMM (measured 10.5 ms vs 32 ms for 128×2×2×256 → 256). The gradient is two more such products plus a
 * fold of dWbig back onto the kernel taps; Wbig is built in JS (the filter is small).
 */
import * as tf from '@tensorflow/tfjs';

interface Geometry {
  h: number;
  w: number;
  cin: number;
  cout: number;
  k: number;
  stride: number;
  pad: number;
  oh: number;
  ow: number;
}

function geometry(x: tf.Tensor4D, kernel: tf.Tensor4D, stride: number, pad: number): Geometry {
  const [, h, w, cin] = x.shape;
  const [k, , , cout] = kernel.shape;
  return {
    h,
    w,
    cin,
    cout,
    k,
    stride,
    pad,
    oh: Math.floor((h + 2 * pad - k) / stride) + 1,
    ow: Math.floor((w + 2 * pad - k) / stride) + 1,
  };
}

/** Dense MACs against the convolution's (taps × output pixels): worth it when at most half. */
export function denseConvPays(inH: number, inW: number, kernel: number, stride: number, pad: number): boolean {
  const oh = Math.floor((inH + 2 * pad - kernel) / stride) + 1;
  const ow = Math.floor((inW + 2 * pad - kernel) / stride) + 1;
  return inH * inW * oh * ow * 2 <= kernel * kernel * oh * ow;
}

/** For each (input pixel, output pixel) pair, the kernel tap linking them or -1. */
function tapTable(g: Geometry): Int32Array {
  const taps = new Int32Array(g.h * g.w * g.oh * g.ow).fill(-1);
  for (let iy = 0; iy < g.h; iy++) {
    for (let ix = 0; ix < g.w; ix++) {
      for (let oy = 0; oy < g.oh; oy++) {
        for (let ox = 0; ox < g.ow; ox++) {
          const ky = iy - oy * g.stride + g.pad;
          const kx = ix - ox * g.stride + g.pad;
          if (ky >= 0 && ky < g.k && kx >= 0 && kx < g.k)
            taps[((iy * g.w + ix) * g.oh + oy) * g.ow + ox] = ky * g.k + kx;
        }
      }
    }
  }
  return taps;
}

/** Wbig [H·W·Cin, OH·OW·Cout] (transposed: [OH·OW·Cout, H·W·Cin]) from HWIO kernel values. */
function expand(kernel: Float32Array, g: Geometry, taps: Int32Array, transposed: boolean): Float32Array {
  const inPix = g.h * g.w;
  const outPix = g.oh * g.ow;
  const rows = inPix * g.cin;
  const cols = outPix * g.cout;
  const big = new Float32Array(rows * cols);
  for (let ip = 0; ip < inPix; ip++) {
    for (let op = 0; op < outPix; op++) {
      const tap = taps[ip * outPix + op];
      if (tap < 0) continue;
      for (let ci = 0; ci < g.cin; ci++) {
        const src = (tap * g.cin + ci) * g.cout;
        const row = ip * g.cin + ci;
        if (transposed) {
          for (let co = 0; co < g.cout; co++) big[(op * g.cout + co) * rows + row] = kernel[src + co];
        } else {
          big.set(kernel.subarray(src, src + g.cout), row * cols + op * g.cout);
        }
      }
    }
  }
  return big;
}

/** dW[tap] = Σ over (input, output) pixel pairs linked by the tap of the dWbig block. */
function fold(bigGrad: Float32Array, g: Geometry, taps: Int32Array): Float32Array {
  const inPix = g.h * g.w;
  const outPix = g.oh * g.ow;
  const cols = outPix * g.cout;
  const dw = new Float32Array(g.k * g.k * g.cin * g.cout);
  for (let ip = 0; ip < inPix; ip++) {
    for (let op = 0; op < outPix; op++) {
      const tap = taps[ip * outPix + op];
      if (tap < 0) continue;
      for (let ci = 0; ci < g.cin; ci++) {
        const dst = (tap * g.cin + ci) * g.cout;
        const src = (ip * g.cin + ci) * cols + op * g.cout;
        for (let co = 0; co < g.cout; co++) dw[dst + co] += bigGrad[src + co];
      }
    }
  }
  return dw;
}

/** Same result as tf.conv2d(x, kernel, stride, symmetric pad), differentiable in x and kernel. */
export function denseConv2d(x: tf.Tensor4D, kernel: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
  const g = geometry(x, kernel, stride, pad);
  const taps = tapTable(g);
  const n = x.shape[0];
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xs, ks] = args as tf.Tensor[];
    const save = args[2] as tf.GradSaveFunc;
    const kernelValues = ks.dataSync() as Float32Array;
    const big = tf.tensor2d(expand(kernelValues, g, taps, false), [g.h * g.w * g.cin, g.oh * g.ow * g.cout]);
    const x2 = tf.reshape(xs, [n, g.h * g.w * g.cin]) as tf.Tensor2D;
    save([x2, ks]);
    return {
      value: tf.reshape(tf.matMul(x2, big), [n, g.oh, g.ow, g.cout]) as tf.Tensor4D,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xFlat, kSaved] = saved;
        const dy2 = tf.reshape(dy, [n, g.oh * g.ow * g.cout]) as tf.Tensor2D;
        // wasm MatMul is only fast untransposed: transpose explicitly
        const bigT = tf.tensor2d(expand(kSaved.dataSync() as Float32Array, g, taps, true), [
          g.oh * g.ow * g.cout,
          g.h * g.w * g.cin,
        ]);
        const dx = tf.reshape(tf.matMul(dy2, bigT), [n, g.h, g.w, g.cin]);
        const dBig = tf.matMul(tf.transpose(xFlat) as tf.Tensor2D, dy2);
        const dk = tf.tensor4d(fold(dBig.dataSync() as Float32Array, g, taps), [g.k, g.k, g.cin, g.cout]);
        return [dx, dk];
      },
    };
  });
  return op(x, kernel) as tf.Tensor4D;
}
