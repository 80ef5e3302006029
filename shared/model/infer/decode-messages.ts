import type { ChannelStats } from '../image/index.js';

/** What a decode worker is started with. */
export interface DecodeWorkerData {
  inputSize: number;
  stats: ChannelStats;
}

export interface DecodeRequest {
  id: number;
  bytes: Uint8Array;
}

/** An AppError flattened for postMessage (class identity does not survive structured cloning). */
export interface SerializedError {
  code: string;
  message: string;
  retriable: boolean;
}

export type DecodeReply =
  | { kind: 'ready' }
  | { kind: 'done'; id: number; tensor: Float32Array }
  | { kind: 'failed'; id: number; error: SerializedError };
