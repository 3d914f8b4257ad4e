/**
 * What a page of one sample (the viewer `#/browse/:split/:id`, the editor `#/label/:split/:id`)
 * works with: the router and route, the run whose prediction the page shows (`?run=`, undefined
 * when the route names none), and the project, dataset and labeling stores (the open project,
 * its classes, the review queue and label states).
 */
import { computed, type ComputedRef } from 'vue';
import { useRoute, useRouter, type RouteLocationNormalizedLoaded, type Router } from 'vue-router';
import { useDatasetStore } from '../stores/dataset';
import { useLabelingStore } from '../stores/labeling';
import { useProjectStore } from '../stores/project';

export interface SamplePage {
  route: RouteLocationNormalizedLoaded;
  router: Router;
  runName: ComputedRef<string | undefined>;
  project: ReturnType<typeof useProjectStore>;
  dataset: ReturnType<typeof useDatasetStore>;
  labeling: ReturnType<typeof useLabelingStore>;
}

export function useSamplePage(): SamplePage {
  const route = useRoute();
  const runName = computed(() =>
    typeof route.query.run === 'string' ? route.query.run : undefined,
  );
  return {
    route,
    router: useRouter(),
    runName,
    project: useProjectStore(),
    dataset: useDatasetStore(),
    labeling: useLabelingStore(),
  };
}
