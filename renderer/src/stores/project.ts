import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { JobProgress } from '../../../shared/contracts/common';
import type { ProjectSummary, RecentProject } from '../../../shared/contracts/project';
import type { DatasetFormat } from '../../../shared/dataset/formats';
import { api } from '../api';
import { jobFailureHint } from '../lib/errors';
import { useNoticeStore } from './notices';

export interface Detection {
  readonly datasetDir: string;
  readonly format: DatasetFormat | null;
  readonly confidence: number;
  readonly reasons: string[];
}

const CALLER_REPORTED = new Set<JobProgress['kind']>(['evaluate', 'predict', 'export']);

/** The open project, recent projects and every long job the host reports (project@job). */
export const useProjectStore = defineStore('project', () => {
  const notices = useNoticeStore();
  const current = ref<ProjectSummary | null>(null);
  const recent = ref<RecentProject[]>([]);
  const detection = ref<Detection | null>(null);
  const busy = ref<'detect' | 'open' | null>(null);
  const unavailable = ref(false);
  const jobs = ref<Record<string, JobProgress>>({});

  api.project.on('job', (job) => {
    jobs.value = { ...jobs.value, [job.jobId]: job };
    // Evaluate, predict and export jobs answer a call whose caller toasts the failure with its
    // cause; a second toast here would repeat it with a generic hint.
    if (job.state === 'failed' && !CALLER_REPORTED.has(job.kind)) {
      notices.push({
        level: 'error',
        title: `${job.label} failed`,
        message: job.message,
        hint: jobFailureHint(job.kind),
      });
    }
    if (job.state !== 'running') {
      // Keep finished jobs briefly so their bars reach 100% visibly; failed ones long enough
      // to read the reason beside the bar (the toast carries it too).
      setTimeout(
        () => {
          const { [job.jobId]: _done, ...rest } = jobs.value;
          jobs.value = rest;
        },
        job.state === 'failed' ? 15_000 : 2500,
      );
    }
  });
  api.project.on('changed', (summary) => {
    current.value = summary;
  });

  const runningJobs = computed(() => Object.values(jobs.value));
  const splitNames = computed(() => Object.keys(current.value?.splits ?? {}));

  function jobsOfKind(...kinds: JobProgress['kind'][]): JobProgress[] {
    return runningJobs.value.filter((j) => kinds.includes(j.kind));
  }

  async function load(): Promise<void> {
    try {
      const [summary, recents] = await Promise.all([
        api.project.current({}),
        api.project.recent({}),
      ]);
      current.value = summary;
      recent.value = recents;
      unavailable.value = false;
    } catch (err) {
      unavailable.value = notices.loadFailed('Loading the project list', err);
    }
  }

  async function detect(datasetDir: string): Promise<Detection | null> {
    busy.value = 'detect';
    try {
      const result = await api.project.detect({ datasetDir });
      detection.value = { datasetDir, ...result };
      return detection.value;
    } catch (err) {
      detection.value = null;
      notices.error(
        'Detecting the dataset format',
        err,
        'Check that the path is an existing folder that holds images and annotations.',
      );
      return null;
    } finally {
      busy.value = null;
    }
  }

  async function opened(
    what: string,
    call: () => Promise<ProjectSummary>,
    hint: string,
  ): Promise<boolean> {
    busy.value = 'open';
    try {
      current.value = await call();
      notices.success(`Opened ${current.value.name}`);
      void api.project
        .recent({})
        .then((r) => (recent.value = r))
        .catch(() => undefined);
      return true;
    } catch (err) {
      notices.error(what, err, hint);
      return false;
    } finally {
      busy.value = null;
    }
  }

  function openDataset(datasetDir: string, format?: DatasetFormat): Promise<boolean> {
    return opened(
      'Opening the dataset',
      () => api.project.openDataset({ datasetDir, format }),
      'Check the folder and the format, or pick another format in the list.',
    );
  }

  /** A project of unlabeled images (the folder is only read) and a class list. */
  function createFromImages(
    imagesDir: string,
    classes: string[],
    valFraction: number,
  ): Promise<boolean> {
    return opened(
      'Creating a project from images',
      () => api.project.createFromImages({ imagesDir, classes, valFraction }),
      'Check that the folder exists on the machine running Seg Studio (absolute path) and holds PNG or JPEG images.',
    );
  }

  function openProject(projectDir: string): Promise<boolean> {
    return opened(
      'Opening the project',
      () => api.project.openProject({ projectDir }),
      'The project folder may have moved; open its dataset folder instead.',
    );
  }

  function openSample(): Promise<boolean> {
    return opened(
      'Opening the sample project',
      () => api.project.openSample({}),
      'Reinstall Seg Studio if the bundled sample is missing.',
    );
  }

  return {
    current,
    recent,
    detection,
    busy,
    unavailable,
    jobs,
    runningJobs,
    splitNames,
    jobsOfKind,
    load,
    detect,
    openDataset,
    createFromImages,
    openProject,
    openSample,
  };
});
