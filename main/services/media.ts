import type { MediaProvider, SampleLayer, SampleLayerFile } from '../media/resolve';
import type { ProjectSession } from './project-session';

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
      return project ? [project.descriptor.root, project.projectDir] : [];
    },
    exportsDir: () => session.current()?.exportsDir ?? null,
    sampleLayer: (request) => (session.current() ? sampleLayer(request) : Promise.resolve(null)),
  };
}
