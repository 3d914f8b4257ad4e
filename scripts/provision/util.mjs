// Shared helpers for scripts/setup.mjs and scripts/provision/*.mjs, in one import.
// Plain Node ESM, no dependencies beyond Node's standard library. The helpers live by concern in
// util-log.mjs, util-process.mjs, util-net.mjs and util-files.mjs; this file re-exports them so
// callers keep importing from one place.

export * from './util-files.mjs';
export * from './util-log.mjs';
export * from './util-net.mjs';
export * from './util-process.mjs';
