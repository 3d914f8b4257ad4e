import { z } from 'zod';
import { defineContract } from '../ipc/contract';
import { DatasetFormat } from '../dataset/formats';
import { ClassInfo, JobProgress, SplitCounts } from './common';

export const ProjectSummary = z.object({
  projectDir: z.string(),
  name: z.string(),
  datasetRoot: z.string(),
  format: DatasetFormat,
  /** Why the format was chosen (detected or set by the user). */
  formatReasons: z.array(z.string()),
  splits: z.record(z.string(), SplitCounts),
  classes: z.array(ClassInfo),
  voidId: z.number().int().nullable(),
  problemCount: z.number().int(),
  isSample: z.boolean(),
});
export type ProjectSummary = z.infer<typeof ProjectSummary>;

export const RecentProject = z.object({
  projectDir: z.string(),
  name: z.string(),
  openedAt: z.number(),
});
export type RecentProject = z.infer<typeof RecentProject>;

const AbsolutePath = z.string().min(1).max(4096);

export const projectContract = defineContract({
  service: 'project',
  methods: {
    recent: { input: z.object({}), output: z.array(RecentProject) },
    current: { input: z.object({}), output: ProjectSummary.nullable() },
    /** Detects the format without opening (for the "format detected, overridable" UI). */
    detect: {
      input: z.object({ datasetDir: AbsolutePath }),
      output: z.object({
        format: DatasetFormat.nullable(),
        confidence: z.number(),
        reasons: z.array(z.string()),
      }),
    },
    /** Opens a dataset folder as it is on disk; the project folder defaults to the app's data dir. */
    openDataset: {
      input: z.object({
        datasetDir: AbsolutePath,
        projectDir: AbsolutePath.optional(),
        format: DatasetFormat.optional(),
        labelsFile: AbsolutePath.optional(),
      }),
      output: ProjectSummary,
    },
    openProject: { input: z.object({ projectDir: AbsolutePath }), output: ProjectSummary },
    /**
     * A project from a folder of unlabeled images and a class list (ids 0..n-1, 255 =
     * unlabeled); every image starts `unlabeled` (labels service). Same code as
     * `segstudio project init IMAGES_DIR --classes`.
     */
    createFromImages: {
      input: z.object({
        imagesDir: AbsolutePath,
        projectDir: AbsolutePath.optional(),
        classes: z.array(z.string().min(1).max(100)).min(1).max(255),
        valFraction: z.number().min(0).max(0.9).default(0.2),
      }),
      output: ProjectSummary,
    },
    /** The small licence-free sample bundled in resources/. */
    openSample: { input: z.object({}), output: ProjectSummary },
  },
  events: {
    job: JobProgress,
    changed: ProjectSummary,
  },
});
