import { z } from 'zod';
import { defineContract } from '../ipc/contract';
import { CheckpointKind, ClassInfo, Problem, Rgb, RunName } from './common';

export const SampleSort = z.enum(['name', 'iou-asc', 'iou-desc']);

export const SampleQuery = z.object({
  split: z.string().max(64).optional(),
  /** Dataset class id that must be present in the ground truth (needs class statistics). */
  containsClass: z.number().int().optional(),
  hasProblem: z.boolean().optional(),
  /** Per-image IoU band from the latest evaluation of `runName`. */
  iouMin: z.number().min(0).max(1).optional(),
  iouMax: z.number().min(0).max(1).optional(),
  runName: z.string().max(80).optional(),
  search: z.string().max(200).optional(),
  /** Label state (labels service vocabulary), or `edited`: samples with a mask saved in the app. */
  labelState: z.enum(['unlabeled', 'draft', 'labeled', 'reviewed', 'edited']).optional(),
  sort: SampleSort.default('name'),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(1000).default(200),
});
export type SampleQuery = z.input<typeof SampleQuery>;

export const SampleRow = z.object({
  id: z.string(),
  split: z.string(),
  usable: z.boolean(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  problemReasons: z.array(z.string()),
  iou: z.number().nullable(),
  /** Label state and whether the app holds an edited mask (absent without a labels store). */
  labelState: z.enum(['unlabeled', 'draft', 'labeled', 'reviewed']).optional(),
  edited: z.boolean().optional(),
  /** Media path of the thumbnail (prefix with the host's media base). */
  thumb: z.string(),
  /**
   * Media path of the current mask (an edit wins over the dataset's file) at thumbnail size in
   * the classes' colours, void transparent: Browse's mask overlay. Missing for a sample without one.
   */
  maskOverlay: z.string(),
});
export type SampleRow = z.infer<typeof SampleRow>;

/** Media paths (relative to the host media base) of one sample's layers. */
export const SampleDetail = SampleRow.extend({
  imagePath: z.string(),
  annotationPath: z.string().nullable(),
  media: z.object({
    image: z.string(),
    /** Colour rendering of the ground truth. */
    gt: z.string().nullable(),
    /** Greyscale PNG whose pixel value is the training index (255 = void), for hover lookup. */
    gtIndex: z.string().nullable(),
    pred: z.string().nullable(),
    predIndex: z.string().nullable(),
    /** Green correct, red wrong, grey void. */
    error: z.string().nullable(),
  }),
  problems: z.array(Problem),
  /** Index of this sample in the current query, for next/previous. */
  neighbours: z.object({ previous: z.string().nullable(), next: z.string().nullable() }),
});
export type SampleDetail = z.infer<typeof SampleDetail>;

export const datasetContract = defineContract({
  service: 'dataset',
  methods: {
    classes: { input: z.object({}), output: z.array(ClassInfo) },
    /** Edits names/colours in the project only; the user's files are never touched. */
    updateClass: {
      input: z.object({
        id: z.number().int(),
        name: z.string().min(1).max(100).optional(),
        color: Rgb.optional(),
        void: z.boolean().optional(),
      }),
      output: z.array(ClassInfo),
    },
    problems: { input: z.object({}), output: z.array(Problem) },
    samples: {
      input: SampleQuery,
      output: z.object({
        total: z.number().int(),
        offset: z.number().int(),
        items: z.array(SampleRow),
      }),
    },
    sample: {
      input: z.object({
        split: z.string().max(64),
        id: z.string().max(512),
        runName: z.string().max(80).optional(),
        query: SampleQuery.optional(),
      }),
      output: SampleDetail,
    },
    /**
     * Browse's prediction overlay: `run`'s prediction (checkpoint `from`, best by default,
     * the last one while a run has no best) of each sample as a thumbnail-sized colour PNG,
     * predicted by the engine on first request and cached per run, checkpoint and sample
     * (a new checkpoint predicts again). Resolves once all of them are there; samples whose
     * image cannot be read (or that are not in the dataset) have no overlay. `checkpoint` is
     * null when the run has no checkpoint yet.
     */
    overlayPredictions: {
      input: z.object({
        run: RunName,
        from: CheckpointKind.default('best'),
        samples: z
          .array(z.object({ split: z.string().max(64), id: z.string().max(512) }))
          .min(1)
          .max(200),
      }),
      output: z.object({
        checkpoint: z.object({ kind: CheckpointKind, globalStep: z.number().int() }).nullable(),
        overlays: z.array(z.object({ split: z.string(), id: z.string(), media: z.string() })),
      }),
    },
    /** Starts (or returns cached) per-class pixel statistics for every split. */
    computeStatistics: { input: z.object({}), output: z.array(ClassInfo) },
  },
  events: {},
});
