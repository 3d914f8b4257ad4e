import path from 'node:path';
import { isInside } from '../fs/inside';
import {
  mediaPath,
  type MediaProvider,
  type SampleLayer,
  type SampleLayerFile,
} from '../media/resolve';
import type { OpenProject, ProjectSession } from './project-session';

/** Which of `fileRoots()` is the project folder: `file/<PROJECT_ROOT>/...` serves its files. */
const PROJECT_ROOT = 1;

/** The media path of a file the host made inside the project folder (e.g. in its cache). */
export function projectFileMediaPath(
  project: Pick<OpenProject, 'projectDir'>,
  file: string,
): string {
  if (!isInside(project.projectDir, file)) throw new Error(`${file} is not in the project folder`);
  const relative = path.relative(project.projectDir, file);
  return mediaPath('file', String(PROJECT_ROOT), ...relative.split(path.sep));
}

export type SampleLayerLookup = (request: {
  split: string;
  id: string;
  layer: SampleLayer;
  run: string | null;
}) => Promise<SampleLayerFile | null>;

/**
 * What the media resolver may reach for the open project: the dataset folder and the project
 * folder as `file/0/...` and `file/1/...`, the exports folder, and sample layers through the
 * dataset service (which renders masks and thumbnails into the project cache on demand).
 */
export function createProjectMediaProvider(
  session: ProjectSession,
  sampleLayer: SampleLayerLookup,
): MediaProvider {
  return {
    fileRoots() {
      const project = session.current();
      // Order matters: index PROJECT_ROOT is the project folder.
      return project ? [project.descriptor.root, project.projectDir] : [];
    },
    exportsDir: () => session.current()?.exportsDir ?? null,
    sampleLayer: (request) => (session.current() ? sampleLayer(request) : Promise.resolve(null)),
  };
}
