/// <reference types="vite/client" />
import type { RendererTransport } from '../../shared/ipc/transport';
import type { HostDescriptor } from '../../shared/ipc/wire';

declare global {
  interface Window {
    segstudioTransport?: RendererTransport;
    segstudioHost?: HostDescriptor;
  }
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
