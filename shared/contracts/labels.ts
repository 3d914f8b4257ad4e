/**
 * The labels service: edited masks kept in `PROJECT/labels/` (never in the user's dataset),
 * their review state, versions, crash journal, conflicts with the dataset's own file, and the
 * jobs built on them (pre-label from a model, rank by uncertainty, export).
 *
 * Masks cross the wire as `MaskPayload`: class ids in the dataset's id space (the same numbers
 * as `ClassInfo.id`), row-major, 1 byte per pixel (`bitDepth` 8) or 2 bytes little-endian
 * (`bitDepth` 16, when ids exceed 255), optionally deflate-compressed (zlib stream, what the
 * browser's `CompressionStream('deflate')` makes), then base64. A serve-mode WebSocket message
 * is limited to 1 MiB, so a large mask is sent in pieces with `stage` and then saved by
 * `uploadId`; a 4096x3072 mask deflates to well under that for typical labels.
 */
import { z } from 'zod';
import { defineContract } from '../ipc/contract';
import { CheckpointKind, ClassInfo, ProducedFile, Rgb, RunName } from './common';

export const LABEL_STATES = ['unlabeled', 'draft', 'labeled', 'reviewed'] as const;
export const LabelState = z.enum(LABEL_STATES);
export type LabelState = z.infer<typeof LabelState>;

/** Where the current mask of a sample comes from. */
export const MaskOrigin = z.enum(['edit', 'dataset', 'none']);
export type MaskOrigin = z.infer<typeof MaskOrigin>;

/** `human`, or `prediction:<run>@<checkpoint>` for a pre-labelled draft. */
export const LabelSourceTag = z
  .string()
  .max(200)
  .regex(/^(human|prediction:[A-Za-z0-9._-]+@[A-Za-z0-9._-]+)$/);

const Split = z.string().min(1).max(64);
const SampleId = z.string().min(1).max(512);
const SampleKey = { split: Split, id: SampleId };
const Base64 = z.string().max(64 * 1024 * 1024);

export const MaskPayload = z.object({
  width: z.number().int().min(1).max(65_535),
  height: z.number().int().min(1).max(65_535),
  bitDepth: z.union([z.literal(8), z.literal(16)]).default(8),
  compression: z.enum(['none', 'deflate']).default('none'),
  /** base64 of the (compressed) id bytes; empty when the bytes were sent with `stage`. */
  data: Base64,
});
export type MaskPayload = z.input<typeof MaskPayload>;

/** A rectangle of ids (after the change), as the editor's undo patches already hold them. */
export const MaskPatch = z.object({
  x: z.number().int().min(0),
  y: z.number().int().min(0),
  width: z.number().int().min(1),
  height: z.number().int().min(1),
  bitDepth: z.union([z.literal(8), z.literal(16)]).default(8),
  compression: z.enum(['none', 'deflate']).default('none'),
  data: Base64,
});
export type MaskPatch = z.input<typeof MaskPatch>;

export const SampleLabelStatus = z.object({
  split: z.string(),
  id: z.string(),
  name: z.string(),
  state: LabelState,
  edited: z.boolean(),
  /** `human` / `prediction:<run>@<checkpoint>` for edits; null when not edited. */
  source: z.string().nullable(),
  updatedAt: z.number().nullable(),
});
export type SampleLabelStatus = z.infer<typeof SampleLabelStatus>;

export const LabelCounts = z.object({
  unlabeled: z.number().int(),
  draft: z.number().int(),
  labeled: z.number().int(),
  reviewed: z.number().int(),
  edited: z.number().int(),
});
export type LabelCounts = z.infer<typeof LabelCounts>;

export const LabelsStatus = z.object({
  counts: LabelCounts,
  samples: z.array(SampleLabelStatus),
});
export type LabelsStatus = z.infer<typeof LabelsStatus>;

/** The dataset's annotation file now vs when the edit began. */
export const ConflictInfo = z.object({
  /** SHA-256 of the dataset's annotation file when the edit began (null: it had none). */
  baseSha256: z.string().nullable(),
  /** SHA-256 of the file on disk now (null: there is none now). */
  currentSha256: z.string().nullable(),
  /** True when the two differ: the UI offers keep mine / take theirs / save both. */
  conflict: z.boolean(),
});

export const LoadedMask = z.object({
  split: z.string(),
  id: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  origin: MaskOrigin,
  state: LabelState,
  source: z.string().nullable(),
  /** Revision of the saved edit (0 = never saved); pass it back as `baseRevision`. */
  revision: z.number().int(),
  /** Null when origin is `none` (an image without any mask: all void/unlabeled). */
  mask: MaskPayload.nullable(),
  /** Journal records replayed on top of the saved mask (the editor shows "unsaved" when > 0). */
  journalReplayed: z.number().int(),
  annotation: ConflictInfo,
  /** The id the eraser writes (void, or the project's "unlabeled" id). */
  voidId: z.number().int(),
});
export type LoadedMask = z.infer<typeof LoadedMask>;

export const SavedMask = z.object({
  revision: z.number().int(),
  state: LabelState,
  savedAt: z.number(),
  /** Bytes of the PNG written, and how long encoding + the atomic write took. */
  bytes: z.number().int(),
  millis: z.number(),
});
export type SavedMask = z.infer<typeof SavedMask>;

export const LabelVersion = z.object({
  revision: z.number().int(),
  savedAt: z.number(),
  source: z.string(),
  state: LabelState,
});
export type LabelVersion = z.infer<typeof LabelVersion>;

export const RankedSample = z.object({
  split: z.string(),
  id: z.string(),
  state: LabelState,
  /** Mean per-pixel entropy of the model's softmax, in nats (higher = less sure). */
  entropy: z.number(),
});
export type RankedSample = z.infer<typeof RankedSample>;

/**
 * Per-pixel uncertainty of a run's prediction for one sample: the softmax entropy at the
 * model's resolution (`width` x `height`, stretched over the image like the prediction),
 * quantised to one byte per pixel, base64: byte b stands for b / 255 * `maxEntropy` nats.
 */
export const UncertaintyMap = z.object({
  width: z.number().int().min(1),
  height: z.number().int().min(1),
  /** ln(classes): a uniform softmax, byte 255. */
  maxEntropy: z.number(),
  meanEntropy: z.number(),
  data: z.string(),
  /** The checkpoint slot the map came from. */
  checkpoint: z.string(),
});
export type UncertaintyMap = z.infer<typeof UncertaintyMap>;

export const ExportEncoding = z.enum(['dataset', 'index', 'palette', 'colour']);
export type ExportEncoding = z.infer<typeof ExportEncoding>;

const AbsolutePath = z.string().min(1).max(4096);

export const labelsContract = defineContract({
  service: 'labels',
  methods: {
    /** Every sample of the open project (or one split) with its label state. */
    status: { input: z.object({ split: Split.optional() }), output: LabelsStatus },
    /** The sample's current mask (edit + replayed journal, else the dataset's file). */
    load: { input: z.object(SampleKey), output: LoadedMask },
    /**
     * Appends one piece (base64, <= 512 KiB decoded) of a large mask; `save` with the same
     * `uploadId` then takes the concatenation as its `mask.data`. Pieces expire after 5 min.
     */
    stage: {
      input: z.object({
        uploadId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
        index: z.number().int().min(0).max(4096),
        data: z.string().max(700_000),
      }),
      output: z.object({ received: z.number().int() }),
    },
    /**
     * Saves the whole mask (or patches onto the current one). Refused with code
     * `label_conflict` when `baseRevision` is older than the saved revision.
     */
    save: {
      input: z.object({
        ...SampleKey,
        baseRevision: z.number().int().min(0),
        mask: MaskPayload.optional(),
        uploadId: z
          .string()
          .regex(/^[A-Za-z0-9_-]{8,64}$/)
          .optional(),
        patches: z.array(MaskPatch).max(10_000).optional(),
        /** Default: the sample's state, except that saving an unlabeled sample labels it. */
        state: LabelState.optional(),
      }),
      output: SavedMask,
    },
    /** Crash insurance between saves: patches appended (fsync'd) and replayed by `load`. */
    journal: {
      input: z.object({
        ...SampleKey,
        baseRevision: z.number().int().min(0),
        patches: z.array(MaskPatch).min(1).max(1000),
      }),
      output: z.object({ records: z.number().int() }),
    },
    /** Drops the journal (the editor discarded its unsaved changes). */
    discardJournal: { input: z.object(SampleKey), output: z.object({}) },
    /**
     * After the dataset's file changed under an edit: `keep-mine` re-bases the edit on the
     * new file, `take-theirs` drops the edit (kept in history), `save-both` keeps the edit and
     * writes theirs as an earlier version.
     */
    resolveConflict: {
      input: z.object({ ...SampleKey, choice: z.enum(['keep-mine', 'take-theirs', 'save-both']) }),
      output: LoadedMask,
    },
    setState: {
      input: z.object({ ...SampleKey, state: LabelState }),
      output: SampleLabelStatus,
    },
    history: { input: z.object(SampleKey), output: z.array(LabelVersion) },
    /** Makes an earlier version current (as a new revision, so nothing is lost). */
    revert: {
      input: z.object({ ...SampleKey, revision: z.number().int().min(1) }),
      output: SavedMask,
    },
    /** Adds a class to the project (renaming: `dataset.updateClass`). */
    addClass: {
      input: z.object({ name: z.string().min(1).max(100), color: Rgb.optional() }),
      output: z.array(ClassInfo),
    },
    /** Drafts from the model for unlabeled samples; never overwrites a human label. */
    prelabel: {
      input: z.object({ run: RunName, split: Split.optional() }),
      output: z.object({ drafted: z.number().int(), skipped: z.number().int() }),
    },
    /** Unlabeled and draft samples, most uncertain first (mean pixel entropy). */
    rank: {
      input: z.object({ run: RunName, split: Split.optional() }),
      output: z.array(RankedSample),
    },
    /**
     * The per-pixel entropy of `run`'s prediction (checkpoint `from`, best by default) for
     * one sample, computed in a short-lived worker: the editor's uncertainty overlay.
     */
    uncertainty: {
      input: z.object({ ...SampleKey, run: RunName, from: CheckpointKind.default('best') }),
      output: UncertaintyMap,
    },
    export: {
      input: z.object({
        out: AbsolutePath.optional(),
        encoding: ExportEncoding.default('dataset'),
        split: Split.optional(),
        inPlace: z.boolean().default(false),
      }),
      output: z.object({
        dir: z.string(),
        written: z.number().int(),
        files: z.array(ProducedFile),
      }),
    },
  },
  /** Long jobs (pre-label, rank, export) report on `project@job` like every other job. */
  events: {
    /** A sample's saved mask or state changed (thumbnails and statistics are stale). */
    changed: SampleLabelStatus,
  },
});
