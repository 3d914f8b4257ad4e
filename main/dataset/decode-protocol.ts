/** Messages between the decode pool (main thread) and decode-worker threads. */
import type { MaskEncoding } from '../../shared/dataset/descriptor';
import type { MaskScan } from './scan';

/** `mask`: decode and count values; `image`: decode fully to prove the pixels are readable. */
export interface ScanRequest {
  readonly id: number;
  readonly file: string;
  readonly kind: 'mask' | 'image';
  readonly encoding: MaskEncoding;
}

export type ScanReply =
  | { readonly id: number; readonly ok: true; readonly scan: MaskScan }
  | { readonly id: number; readonly ok: false; readonly message: string };
