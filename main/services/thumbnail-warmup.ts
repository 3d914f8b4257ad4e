import { mapLimit } from '../dataset/concurrency';
import { produceConfined } from '../media/resolve';
import { startJob } from './jobs';
import type { OpenProject } from './project-session';
import { sampleLayerFile } from './sample-layers';
import type { Workspace } from './workspace';

/** How many thumbnails are made ahead: the first screens of the Browse grid. */
export const WARM_THUMBNAILS = 96;

/**
 * Renders the first Browse screens' thumbnails right after a project opens (two at a time,
 * reported as a `thumbnails` job), so the grid shows pictures at once. The rest are made on
 * demand. Stops as soon as another project is opened.
 */
export async function warmThumbnails(workspace: Workspace, project: OpenProject): Promise<void> {
  const state = workspace.current();
  if (!state) return;
  const samples = Object.values(state.index.splits)
    .flatMap((s) => s.samples)
    .slice(0, WARM_THUMBNAILS);
  if (samples.length === 0) return;
  const job = startJob(workspace.events, 'thumbnails', 'Making thumbnails');
  let done = 0;
  let failures = 0;
  await mapLimit(samples, 2, async (sample) => {
    if (workspace.session.current() !== project) return;
    try {
      // The same confinement as the media route: no thumbnail of an image linking outside.
      const layer = sampleLayerFile(project, state.index, {
        split: sample.split,
        id: sample.id,
        layer: 'thumb',
        run: null,
      });
      if (!layer || !(await produceConfined(layer)).ok) failures++;
    } catch {
      failures++; // the grid asks again on demand and shows that error there
    }
    job.progress(++done, samples.length);
  });
  job.finish(failures > 0 ? `${failures} thumbnail(s) could not be made` : undefined);
}
