import { endianness } from 'node:os';
import { buildEncoderGraph, graphParams, type EncoderArch, type WeightMap } from '../encoder/index.js';
import type { CheckpointMeta } from './checkpoint-meta.js';

/**
 * Which arrays a checkpoint of an architecture holds, and in what order: every encoder parameter in
 * `graphParams` order, then any training-only state sorted by name: `head/…` (projection head, SimSiam
 * predictor) and `optimizer/…` (optimiser slots and step), so a training run can resume exactly from a
 * checkpoint while inference takes only the encoder (encoderWeights).
 */
export const EXTRA_WEIGHT_PREFIXES = ['head/', 'optimizer/'] as const;

function isExtra(name: string): boolean {
  return EXTRA_WEIGHT_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** Only the encoder's parameters (what inference and ONNX export need), in graphParams order. */
export function encoderWeights(arch: EncoderArch, weights: WeightMap): WeightMap {
  const out: WeightMap = {};
  for (const spec of graphParams(buildEncoderGraph(arch))) if (weights[spec.name]) out[spec.name] = weights[spec.name];
  return out;
}

export type WeightManifest = CheckpointMeta['weights'];

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Problems that make `weights` unusable for `arch` (missing, unexpected or mis-shaped arrays, wrong
 * lengths, non-finite values); empty when it fits.
 */
export function weightMapProblems(
  arch: EncoderArch,
  weights: WeightMap,
  options: { checkFinite?: boolean } = {},
): string[] {
  const problems: string[] = [];
  const expected = graphParams(buildEncoderGraph(arch));
  const known = new Set(expected.map((p) => p.name));
  for (const spec of expected) {
    const w = weights[spec.name];
    if (!w) problems.push(`missing ${spec.name} ${JSON.stringify(spec.shape)}`);
    else if (!sameShape(w.shape, spec.shape))
      problems.push(
        `${spec.name} has shape ${JSON.stringify(w.shape)}, the architecture needs ${JSON.stringify(spec.shape)}`,
      );
  }
  for (const [name, w] of Object.entries(weights)) {
    if (!known.has(name) && !isExtra(name))
      problems.push(
        `unexpected ${name} (not a parameter of this architecture, nor under ${EXTRA_WEIGHT_PREFIXES.join(' or ')})`,
      );
    if (!(w.data instanceof Float32Array)) problems.push(`${name} is not a Float32Array`);
    else if (w.data.length !== elementCount(w.shape))
      problems.push(
        `${name} holds ${w.data.length} values, shape ${JSON.stringify(w.shape)} needs ${elementCount(w.shape)}`,
      );
    else if (options.checkFinite && !w.data.every(Number.isFinite)) problems.push(`${name} contains NaN or Infinity`);
  }
  return problems;
}

/** The order arrays are written in (see the module comment). */
export function weightOrder(arch: EncoderArch, weights: WeightMap): string[] {
  const encoder = graphParams(buildEncoderGraph(arch)).map((p) => p.name);
  const known = new Set(encoder);
  const extras = Object.keys(weights)
    .filter((name) => !known.has(name))
    .sort();
  return [...encoder, ...extras];
}

/** Concatenates the arrays as float32 little-endian; returns the bytes and the manifest describing them. */
export function serializeWeights(
  arch: EncoderArch,
  weights: WeightMap,
): { bytes: Uint8Array; manifest: WeightManifest } {
  const order = weightOrder(arch, weights);
  const total = order.reduce((n, name) => n + weights[name].data.length, 0);
  const bytes = new Uint8Array(total * 4);
  const view = new DataView(bytes.buffer);
  const manifest: WeightManifest = [];
  const littleEndian = endianness() === 'LE';
  let offset = 0;
  for (const name of order) {
    const { shape, data } = weights[name];
    manifest.push({ name, shape: [...shape], offset, length: data.length });
    if (littleEndian) bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
    else for (let i = 0; i < data.length; i++) view.setFloat32(offset + i * 4, data[i], true);
    offset += data.length * 4;
  }
  return { bytes, manifest };
}

/** Problems with a manifest read back from disk against the architecture and the file size. */
export function manifestProblems(arch: EncoderArch, manifest: WeightManifest, fileBytes: number): string[] {
  const problems: string[] = [];
  const expected = graphParams(buildEncoderGraph(arch));
  const byName = new Map(manifest.map((entry) => [entry.name, entry]));
  if (byName.size !== manifest.length) problems.push('the weight list names an array twice');
  for (const spec of expected) {
    const entry = byName.get(spec.name);
    if (!entry) problems.push(`missing ${spec.name} ${JSON.stringify(spec.shape)}`);
    else if (!sameShape(entry.shape, spec.shape))
      problems.push(
        `${spec.name} has shape ${JSON.stringify(entry.shape)}, the architecture needs ${JSON.stringify(spec.shape)}`,
      );
  }
  const known = new Set(expected.map((p) => p.name));
  let offset = 0;
  for (const entry of manifest) {
    if (!known.has(entry.name) && !isExtra(entry.name))
      problems.push(`unexpected ${entry.name} (not a parameter of this architecture)`);
    if (entry.length !== elementCount(entry.shape))
      problems.push(`${entry.name}: length ${entry.length} does not match shape ${JSON.stringify(entry.shape)}`);
    if (entry.offset !== offset)
      problems.push(`${entry.name}: offset ${entry.offset}, expected ${offset} (arrays are contiguous)`);
    offset = entry.offset + entry.length * 4;
  }
  if (offset !== fileBytes) problems.push(`the weight list covers ${offset} bytes, weights.bin has ${fileBytes}`);
  return problems;
}

/** Slices weights.bin back into a WeightMap (copies: the arrays own their memory, aligned). */
export function deserializeWeights(bytes: Uint8Array, manifest: WeightManifest): WeightMap {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const weights: WeightMap = {};
  const littleEndian = endianness() === 'LE';
  for (const { name, shape, offset, length } of manifest) {
    const data = new Float32Array(length);
    if (littleEndian) new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + length * 4));
    else for (let i = 0; i < length; i++) data[i] = view.getFloat32(offset + i * 4, true);
    weights[name] = { shape: [...shape], data };
  }
  return weights;
}
