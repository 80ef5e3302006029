import type { EncoderGraph, WeightMap } from '../../shared/model/encoder/index.js';

interface Act {
  h: number;
  w: number;
  c: number;
  data: Float64Array;
}

/**
 * A slow, obviously-correct float64 interpreter of the encoder graph for ONE image, straight in NHWC/HWIO
 * (no layout conversion, no folding): the independent oracle the ONNX export is checked against.
 */
export function referenceForward(
  graph: EncoderGraph,
  weights: WeightMap,
  image: Float32Array,
  size: number,
): Float64Array {
  const values = new Map<string, Act>([['input', { h: size, w: size, c: 3, data: Float64Array.from(image) }]]);
  const get = (name: string): Act => {
    const v = values.get(name);
    if (v === undefined) throw new Error(`missing value ${name}`);
    return v;
  };
  for (const n of graph.nodes) {
    if (n.op === 'conv') {
      const x = get(n.input);
      const k = weights[`${n.name}/kernel`].data;
      const b = n.bias ? weights[`${n.name}/bias`].data : undefined;
      const oh = Math.floor((x.h + 2 * n.pad - n.kernel) / n.stride) + 1;
      const ow = Math.floor((x.w + 2 * n.pad - n.kernel) / n.stride) + 1;
      const out = new Float64Array(oh * ow * n.outChannels);
      for (let y = 0; y < oh; y++)
        for (let xx = 0; xx < ow; xx++)
          for (let o = 0; o < n.outChannels; o++) {
            let s = b ? b[o] : 0;
            for (let ky = 0; ky < n.kernel; ky++) {
              const iy = y * n.stride - n.pad + ky;
              if (iy < 0 || iy >= x.h) continue;
              for (let kx = 0; kx < n.kernel; kx++) {
                const ix = xx * n.stride - n.pad + kx;
                if (ix < 0 || ix >= x.w) continue;
                for (let i = 0; i < n.inChannels; i++)
                  s +=
                    x.data[(iy * x.w + ix) * x.c + i] *
                    k[((ky * n.kernel + kx) * n.inChannels + i) * n.outChannels + o];
              }
            }
            out[(y * ow + xx) * n.outChannels + o] = s;
          }
      values.set(n.output, { h: oh, w: ow, c: n.outChannels, data: out });
    } else if (n.op === 'batchnorm') {
      const x = get(n.input);
      const [g, be, m, v] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map(
        (p) => weights[`${n.name}/${p}`].data,
      );
      const out = x.data.map((val, i) => {
        const c = i % x.c;
        return ((val - m[c]) / Math.sqrt(v[c] + n.epsilon)) * g[c] + be[c];
      });
      values.set(n.output, { ...x, data: out });
    } else if (n.op === 'relu') {
      const x = get(n.input);
      values.set(n.output, { ...x, data: x.data.map((v) => Math.max(0, v)) });
    } else if (n.op === 'add') {
      const a = get(n.inputs[0]);
      const b = get(n.inputs[1]);
      values.set(n.output, { ...a, data: a.data.map((v, i) => v + b.data[i]) });
    } else if (n.op === 'maxpool') {
      const x = get(n.input);
      const oh = Math.floor((x.h + 2 * n.pad - n.kernel) / n.stride) + 1;
      const ow = Math.floor((x.w + 2 * n.pad - n.kernel) / n.stride) + 1;
      const out = new Float64Array(oh * ow * x.c).fill(-Infinity);
      for (let y = 0; y < oh; y++)
        for (let xx = 0; xx < ow; xx++)
          for (let ky = 0; ky < n.kernel; ky++)
            for (let kx = 0; kx < n.kernel; kx++) {
              const iy = y * n.stride - n.pad + ky;
              const ix = xx * n.stride - n.pad + kx;
              if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
              for (let c = 0; c < x.c; c++) {
                const o = (y * ow + xx) * x.c + c;
                out[o] = Math.max(out[o], x.data[(iy * x.w + ix) * x.c + c]);
              }
            }
      values.set(n.output, { h: oh, w: ow, c: x.c, data: out });
    } else if (n.op === 'global_avg_pool') {
      const x = get(n.input);
      const out = new Float64Array(x.c);
      for (let i = 0; i < x.data.length; i++) out[i % x.c] += x.data[i] / (x.h * x.w);
      values.set(n.output, { h: 1, w: 1, c: x.c, data: out });
    } else if (n.op === 'l2normalize') {
      const x = get(n.input);
      const norm = Math.sqrt(
        Math.max(
          x.data.reduce((s, v) => s + v * v, 0),
          n.epsilon,
        ),
      );
      values.set(n.output, { ...x, data: x.data.map((v) => v / norm) });
    }
  }
  return get('embedding').data;
}
