import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { RecentProject } from '../../shared/contracts/project';
import { DatasetDescriptor } from '../../shared/dataset/descriptor';
import { describeJsonError } from '../../shared/dataset/json-error';
import { writeJsonAtomic } from '../fs/atomic';
import { readJsonOrNull } from '../fs/json';
import { UserFacingError } from '../ipc/dispatcher';
import { projectLayout } from './project-session';

/**
 * On-disk shape of a project: `segstudio-project.json` (name, creation time and the dataset
 * descriptor, whose class names/colours the user may edit) next to `cache/`, `runs/` and
 * `exports/`. The dataset itself stays where it is, untouched.
 */
export const PROJECT_FILE = 'segstudio-project.json';

export const ProjectFile = z.object({
  version: z.literal(1),
  name: z.string().min(1),
  created: z.number(),
  isSample: z.boolean().default(false),
  formatReasons: z.array(z.string()).default([]),
  descriptor: DatasetDescriptor,
});
export type ProjectFile = z.infer<typeof ProjectFile>;

export async function readProjectFile(projectDir: string): Promise<ProjectFile> {
  const file = path.join(projectDir, PROJECT_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserFacingError(
        `${projectDir} is not a Seg Studio project (no ${PROJECT_FILE}). Open it as a dataset instead.`,
        'not_a_project',
      );
    }
    throw new UserFacingError(`${file} cannot be read: ${(err as Error).message}`, 'unreadable');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UserFacingError(`${file} is ${describeJsonError(text, err)}`, 'corrupt');
  }
  const parsed = ProjectFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserFacingError(
      `${file} is not a valid project file (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'})`,
      'corrupt',
    );
  }
  return parsed.data;
}

export async function writeProjectFile(projectDir: string, project: ProjectFile): Promise<void> {
  const layout = projectLayout(projectDir);
  await Promise.all(
    [layout.cacheDir, layout.runsDir, layout.exportsDir].map((d) =>
      fs.mkdir(d, { recursive: true }),
    ),
  );
  await writeJsonAtomic(layout.descriptorFile, ProjectFile.parse(project));
}

export async function hasProjectFile(projectDir: string): Promise<boolean> {
  return fs.access(path.join(projectDir, PROJECT_FILE)).then(
    () => true,
    () => false,
  );
}

/** `<dataDir>/projects/<slug>-<hash>`: readable, and distinct for two folders with one name. */
export function defaultProjectDir(dataDir: string, datasetDir: string): string {
  const base = path.basename(datasetDir) || 'dataset';
  const slug =
    base
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'dataset';
  const hash = createHash('sha256').update(path.resolve(datasetDir)).digest('hex').slice(0, 8);
  return path.join(dataDir, 'projects', `${slug}-${hash}`);
}

const RECENT_LIMIT = 12;
const RecentFile = z.array(RecentProject);

function recentFile(dataDir: string): string {
  return path.join(dataDir, 'recent.json');
}

/** The recent list, newest first; a corrupt or missing file is an empty list, not an error. */
export async function readRecent(dataDir: string): Promise<RecentProject[]> {
  return (await readJsonOrNull(recentFile(dataDir), RecentFile)) ?? [];
}

export async function addRecent(dataDir: string, entry: RecentProject): Promise<RecentProject[]> {
  const list = (await readRecent(dataDir)).filter((r) => r.projectDir !== entry.projectDir);
  const next = [entry, ...list].slice(0, RECENT_LIMIT);
  await writeJsonAtomic(recentFile(dataDir), next);
  return next;
}
