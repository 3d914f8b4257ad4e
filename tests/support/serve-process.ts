import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';

const root = path.resolve(__dirname, '../..');

export interface ServeProcess {
  /** The spawned process (node itself, or the npm launcher with `viaNpx`). */
  readonly child: ChildProcess;
  /** The printed `http://127.0.0.1:PORT/?token=...` URL. */
  readonly url: URL;
  readonly token: string;
  /** Everything printed so far (stdout + stderr). */
  output(): string;
  /** Resolves with the exit code (or signal) once the spawned process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the real `segstudio serve ARGS --port 0 --no-open` and waits for its URL. With
 * `viaNpx`, through `npx segstudio serve ...` as a user types it (npm -> sh -> node).
 * Call ensureBuilt() first; the caller kills what it started.
 */
export async function startServeProcess(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  opts: { viaNpx?: boolean } = {},
): Promise<ServeProcess> {
  const serveArgs = ['serve', ...args, '--port', '0', '--no-open'];
  const child = opts.viaNpx
    ? spawn('npx', ['--yes', 'segstudio', ...serveArgs], {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(process.execPath, [path.join(root, 'bin', 'segstudio.cjs'), ...serveArgs], {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<URL>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      output += d.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output);
      if (match?.[1]) resolve(new URL(match[1]));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(({ code }) =>
      reject(new Error(`serve exited (${code}) before its URL:\n${output}`)),
    );
  });
  return { child, url, token: url.searchParams.get('token') ?? '', output: () => output, exited };
}

/** True while a process with this pid exists (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface ServeClient {
  readonly ws: WebSocket;
  /** Every message received so far, parsed. */
  readonly messages: Record<string, unknown>[];
  /** First message (received or to come) matching `pred`; rejects if the server exits first. */
  waitFor(pred: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** One contract call; resolves with its result envelope ({ ok, value } or { ok, error }). */
  call(channel: string, payload: unknown): Promise<Record<string, unknown>>;
}

/** An authenticated WebSocket client of a serve process, as the browser bridge speaks it. */
export async function connectClient(serve: ServeProcess): Promise<ServeClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${serve.url.port}/ws`, {
    headers: { authorization: `Bearer ${serve.token}` },
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (data: Buffer) => messages.push(JSON.parse(String(data))));
  const waitFor: ServeClient['waitFor'] = (pred) =>
    new Promise((resolve, reject) => {
      void serve.exited.then(({ code, signal }) =>
        reject(new Error(`segstudio serve exited (${code ?? signal}):\n${serve.output()}`)),
      );
      const check = (): void => {
        const hit = messages.find(pred);
        if (!hit) return;
        ws.off('message', check);
        resolve(hit);
      };
      ws.on('message', check);
      check();
    });
  let nextId = 1;
  return {
    ws,
    messages,
    waitFor,
    async call(channel, payload) {
      const id = nextId++;
      ws.send(JSON.stringify({ type: 'call', id, channel, payload }));
      const reply = await waitFor((m) => m['type'] === 'result' && m['id'] === id);
      return reply['result'] as Record<string, unknown>;
    },
  };
}

/** The `globalStep` of a `training@progress` event, -1 for any other message. */
export function progressStep(m: Record<string, unknown>): number {
  return m['channel'] === 'training@progress'
    ? (m['payload'] as { globalStep: number }).globalStep
    : -1;
}

/** Pids of the direct children of `pid` (Linux /proc). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 is the ppid; the command name (field 2) may contain spaces, so split after ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/**
 * Every process below `pid` (children, grandchildren, ...): the CLI runs under a launcher that
 * filters libtensorflow's start-up lines, so a command's workers are its grandchildren.
 */
export function descendantPids(pid: number): number[] {
  const found: number[] = [];
  for (let next = [pid]; next.length > 0;) {
    next = next.flatMap((p) => childPids(p));
    found.push(...next);
  }
  return found;
}
