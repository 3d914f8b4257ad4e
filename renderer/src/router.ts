import { createRouter, createWebHashHistory } from 'vue-router';
import StartView from './views/StartView.vue';

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [{ path: '/', name: 'start', component: StartView }],
});
