import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { installCrashGuard, type GuardTarget } from '../../main/serve/crash-guard';

// The guard listens on a stand-in for `process` here: emitting on the real one would hand the
// error to the test runner's own handlers as well.
describe('serve crash guard', () => {
  it('logs an uncaught exception with its stack instead of letting it end the process', () => {
    const target = new EventEmitter();
    const lines: string[] = [];
    const remove = installCrashGuard((t) => lines.push(t), target as unknown as GuardTarget);
    const err = new TypeError('cannot read properties of undefined');
    target.emit('uncaughtException', err, 'uncaughtException');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('BUG: uncaught exception (the server keeps running');
    expect(lines[0]).toContain('TypeError: cannot read properties of undefined');
    // The stack, so the bug can be found, not just the message.
    expect(lines[0]).toContain(__filename);
    remove();
    expect(target.listenerCount('uncaughtException')).toBe(0);
    expect(target.listenerCount('unhandledRejection')).toBe(0);
  });

  it('logs unhandled rejections, including ones that are not errors', () => {
    const target = new EventEmitter();
    const lines: string[] = [];
    installCrashGuard((t) => lines.push(t), target as unknown as GuardTarget);
    target.emit('unhandledRejection', new RangeError('bad offset'));
    target.emit('unhandledRejection', 'plain string reason');
    expect(lines[0]).toMatch(/BUG: unhandled rejection[\s\S]*RangeError: bad offset/);
    expect(lines[1]).toMatch(/BUG: unhandled rejection[\s\S]*plain string reason/);
  });
});
