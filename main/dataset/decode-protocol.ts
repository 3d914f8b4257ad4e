import type { MaskEncoding } from '../../shared/dataset/descriptor';
import type { MaskScan } from './scan';

/** Messages between the decode pool (main thread) and decode-worker threads. */
export interface ScanRequest {
  readonly id: number;
  readonly file: string;
  readonly encoding: MaskEncoding;
}

export type ScanReply =
  | { readonly id: number; readonly ok: true; readonly scan: MaskScan }
  | { readonly id: number; readonly ok: false; readonly message: string };
