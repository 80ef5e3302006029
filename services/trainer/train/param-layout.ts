/**
 * Every parameter of encoder + heads laid out in one flat Float32Array, in spec order. Workers exchange
 * whole models and gradients as one buffer (one transfer instead of ~100 small messages), and the
 * optimiser walks flat arrays.
 */
import { ValidationError } from '../../../shared/errors/index.js';
import type { ParamSpec, WeightMap } from '../../../shared/model/encoder/index.js';

export interface ParamSegment {
  spec: ParamSpec;
  /** start in the full flat array */
  offset: number;
  size: number;
  /** start in the stats array (non-trainable segments only, else -1) */
  statOffset: number;
}

export interface ParamLayout {
  segments: ParamSegment[];
  /** length of the full flat array */
  size: number;
  /** length of the concatenated non-trainable (moving statistics) segments */
  statsSize: number;
}

export function createParamLayout(specs: readonly ParamSpec[]): ParamLayout {
  const seen = new Set<string>();
  const segments: ParamSegment[] = [];
  let offset = 0;
  let statOffset = 0;
  for (const spec of specs) {
    if (seen.has(spec.name)) throw new ValidationError(`duplicate parameter name ${spec.name}`);
    seen.add(spec.name);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    segments.push({ spec, offset, size, statOffset: spec.trainable ? -1 : statOffset });
    offset += size;
    if (!spec.trainable) statOffset += size;
  }
  return { segments, size: offset, statsSize: statOffset };
}

/**
 * Flat array from named weights: each segment from the first map that holds it (later maps are fallbacks,
 * e.g. a checkpoint over fresh initial weights). Shapes must match exactly.
 */
export function flattenWeights(layout: ParamLayout, ...sources: (WeightMap | undefined)[]): Float32Array {
  const flat = new Float32Array(layout.size);
  for (const seg of layout.segments) {
    const w = sources.find((s) => s?.[seg.spec.name] !== undefined)?.[seg.spec.name];
    if (!w) throw new ValidationError(`no value for parameter ${seg.spec.name}`);
    if (
      w.shape.length !== seg.spec.shape.length ||
      w.shape.some((d, i) => d !== seg.spec.shape[i]) ||
      w.data.length !== seg.size
    ) {
      throw new ValidationError(
        `parameter ${seg.spec.name} has shape [${w.shape}] (${w.data.length} values), expected [${seg.spec.shape}]`,
      );
    }
    flat.set(w.data, seg.offset);
  }
  return flat;
}

/** Named copies of the segments accepted by `keep` (default all). */
export function unflattenWeights(
  layout: ParamLayout,
  flat: Float32Array,
  keep: (spec: ParamSpec) => boolean = () => true,
): WeightMap {
  const out: WeightMap = {};
  for (const seg of layout.segments) {
    if (!keep(seg.spec)) continue;
    out[seg.spec.name] = { shape: [...seg.spec.shape], data: flat.slice(seg.offset, seg.offset + seg.size) };
  }
  return out;
}

/** Writes the concatenated moving statistics back into the full flat array. */
export function writeStats(layout: ParamLayout, flat: Float32Array, stats: Float32Array): void {
  for (const seg of layout.segments) {
    if (seg.statOffset >= 0) flat.set(stats.subarray(seg.statOffset, seg.statOffset + seg.size), seg.offset);
  }
}
