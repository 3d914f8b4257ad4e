/**
 * Kept only so main/engine/export.ts keeps compiling while it is being edited elsewhere;
 * new code imports main/fs/atomic.ts directly. Delete once export.ts does too.
 */
export { fsyncDir, writeFileDurable } from '../fs/atomic';
