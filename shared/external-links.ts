/**
 * Every web page the app links to. The renderer takes its links from here, and the Electron
 * shell opens a link in the user's browser only when it is one of these (shell.openExternal
 * with an arbitrary URL would let a compromised page launch any registered protocol handler).
 * Adding a link = one entry here.
 */
export const EXTERNAL_LINKS = {
  /** The model format `segstudio export` writes. */
  tfjsLayersFormat: 'https://www.tensorflow.org/js/guide/save_load',
} as const;

export type ExternalLink = keyof typeof EXTERNAL_LINKS;
