import { AppError } from '../../shared/errors/index.js';
import type { TimeInterval } from './replay-types.js';
import { gibsErrorCodes } from '../../shared/gibs/index.js';

/**
 * Rewrite the time dimension of some layers in the real capabilities XML and leave every other byte as it
 * was: a text edit of each layer's <Default> and <Value> elements, not a parse-and-reserialise (which would
 * reorder attributes, namespaces and whitespace that clients may be tested against).
 */
export function rewriteTimeDimensions(
  xml: string,
  served: ReadonlyMap<string, { default: string; intervals: readonly TimeInterval[] }>,
): string {
  let out = xml;
  for (const [layerId, time] of served) out = rewriteLayer(out, layerId, time);
  return out;
}

function fail(layerId: string, what: string): never {
  throw new AppError(gibsErrorCodes.badCapabilities, `capabilities: layer ${layerId}: ${what}`, { retriable: false });
}

function rewriteLayer(
  xml: string,
  layerId: string,
  time: { default: string; intervals: readonly TimeInterval[] },
): string {
  const marker = `<ows:Identifier>${layerId}</ows:Identifier>`;
  const at = xml.indexOf(marker);
  if (at < 0) fail(layerId, 'not listed');
  const layerStart = xml.lastIndexOf('<Layer>', at);
  const layerEnd = xml.indexOf('</Layer>', at);
  if (layerStart < 0 || layerEnd < 0 || xml.lastIndexOf('</Layer>', at) > layerStart) {
    fail(layerId, 'identifier outside a <Layer> element');
  }
  const block = xml.slice(layerStart, layerEnd);
  const dimStart = block.indexOf('<Dimension>');
  const dimEnd = block.indexOf('</Dimension>');
  if (dimStart < 0 || dimEnd < dimStart) fail(layerId, 'has no time <Dimension> to rewrite');
  let dim = block.slice(dimStart, dimEnd);

  dim = dim.replace(/<Default>[^<]*<\/Default>/, `<Default>${time.default}</Default>`);
  const firstValue = dim.indexOf('<Value>');
  const lastValueEnd = dim.lastIndexOf('</Value>');
  if (firstValue < 0 || lastValueEnd < 0) fail(layerId, 'time <Dimension> has no <Value>');
  // Keep the document's own indentation between consecutive <Value> elements.
  const lineStart = dim.lastIndexOf('\n', firstValue);
  const separator = lineStart >= 0 ? dim.slice(lineStart, firstValue) : '';
  const values = time.intervals.map((i) => `<Value>${i.start}/${i.end}/${i.period}</Value>`).join(separator);
  dim = dim.slice(0, firstValue) + values + dim.slice(lastValueEnd + '</Value>'.length);

  const newBlock = block.slice(0, dimStart) + dim + block.slice(dimEnd);
  return xml.slice(0, layerStart) + newBlock + xml.slice(layerEnd);
}
