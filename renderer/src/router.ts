import { createRouter, createWebHashHistory } from 'vue-router';
import BrowseView from './views/BrowseView.vue';
import CompareView from './views/CompareView.vue';
import DatasetView from './views/DatasetView.vue';
import EvaluateView from './views/EvaluateView.vue';
import ExportView from './views/ExportView.vue';
import LabelView from './views/LabelView.vue';
import SampleView from './views/SampleView.vue';
import StartView from './views/StartView.vue';
import TrainView from './views/TrainView.vue';

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', name: 'start', component: StartView, meta: { title: 'Start' } },
    { path: '/dataset', name: 'dataset', component: DatasetView, meta: { title: 'Dataset' } },
    { path: '/browse', name: 'browse', component: BrowseView, meta: { title: 'Browse' } },
    {
      // Under /browse so the rail keeps Browse highlighted while a sample is open.
      path: '/browse/:split/:id',
      name: 'sample',
      component: SampleView,
      props: true,
      meta: { title: 'Sample' },
    },
    {
      path: '/label/:split/:id',
      name: 'label',
      component: LabelView,
      props: true,
      meta: { title: 'Label' },
    },
    { path: '/train', name: 'train', component: TrainView, meta: { title: 'Train' } },
    { path: '/evaluate', name: 'evaluate', component: EvaluateView, meta: { title: 'Evaluate' } },
    {
      // Under /evaluate so the rail keeps Evaluate highlighted.
      path: '/evaluate/compare',
      name: 'compare',
      component: CompareView,
      meta: { title: 'Compare runs' },
    },
    { path: '/export', name: 'export', component: ExportView, meta: { title: 'Export' } },
    { path: '/:pathMatch(.*)*', redirect: '/' },
  ],
});
