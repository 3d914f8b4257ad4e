/**
 * e2e harness: drives `segstudio serve` in Debian's chromium with playwright-core.
 *
 *   const serve = await startServe();              // node bin/segstudio.cjs serve --port 0
 *   const { page } = await openBrowser(serve.url); // logs in with the token (cookie set)
 *   await screenshot(page, 'start');               // -> test-results/screenshots/start.png
 *   await stop();                                  // closes browsers, stops serve, removes temp dirs
 *
 * Needs a full build (`npm run build`: out/main and out/renderer) and /usr/bin/chromium
 * (CI installs it; locally `apt-get install -y chromium`, or set SEGSTUDIO_CHROMIUM).
 * Each startServe() gets its own temp data dir (SEGSTUDIO_DATA_DIR) unless one is given.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const repoRoot = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const screenshotsDir = path.join(repoRoot, 'test-results', 'screenshots');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function chromiumPath(): string {
  return process.env['SEGSTUDIO_CHROMIUM'] ?? '/usr/bin/chromium';
}

export interface ServeHandle {
  /** Tokenised URL as printed: `http://127.0.0.1:P/?token=...`. */
  readonly url: string;
  /** `http://127.0.0.1:P` */
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  readonly dataDir: string;
  /** Pid of the serve process (its training workers are its children). */
  readonly pid: number;
  /** Everything the server printed so far (stdout + stderr), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface StartServeOptions {
  /** Extra CLI arguments, e.g. a project or dataset folder. */
  readonly args?: readonly string[];
  /** Data dir to use (kept afterwards); a fresh temp dir (removed by stop) otherwise. */
  readonly dataDir?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

const cleanups: (() => Promise<void>)[] = [];

function assertBuilt(): void {
  for (const file of ['out/main/cli.cjs', 'out/renderer/index.html', 'out/renderer/bridge.js']) {
    if (!existsSync(path.join(repoRoot, file))) {
      throw new Error(`${file} is missing: run \`npm run build\` before the e2e tests`);
    }
  }
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Starts `node bin/segstudio.cjs serve --port 0 --no-open` and waits for the printed URL. */
export async function startServe(options: StartServeOptions = {}): Promise<ServeHandle> {
  assertBuilt();
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'segstudio-e2e-'));
  const child = spawn(
    process.execPath,
    [
      path.join(repoRoot, 'bin', 'segstudio.cjs'),
      'serve',
      '--port',
      '0',
      '--no-open',
      ...(options.args ?? []),
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, SEGSTUDIO_DATA_DIR: dataDir, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`serve printed no URL within ${options.timeoutMs ?? 60_000} ms:\n${output}`),
        ),
      options.timeoutMs ?? 60_000,
    );
    const check = () => {
      const match = /(http:\/\/\S+\/\?token=[A-Za-z0-9_-]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before printing its URL:\n${output}`));
    });
  });

  const parsed = new URL(url);
  let stopped = false;
  const stopServe = async () => {
    if (stopped) return;
    stopped = true;
    child.kill('SIGTERM');
    if (!(await waitForExit(child, 10_000))) {
      child.kill('SIGKILL');
      await waitForExit(child, 5_000);
    }
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  cleanups.push(stopServe);
  return {
    url,
    origin: parsed.origin,
    port: Number(parsed.port),
    token: parsed.searchParams.get('token') ?? '',
    dataDir,
    pid: child.pid ?? -1,
    output: () => output,
    stop: stopServe,
  };
}

export interface BrowserHandle {
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
}

/**
 * Launches chromium and, when a URL is given, opens it (a tokenised URL logs the context in:
 * the server sets the session cookie and redirects to `/`). Viewport 1440x900 like the app.
 */
export async function openBrowser(url?: string): Promise<BrowserHandle> {
  if (!existsSync(chromiumPath())) {
    throw new Error(
      `chromium not found at ${chromiumPath()}: run \`apt-get install -y chromium\` (or \`npm run setup -- --with-chromium\`), or set SEGSTUDIO_CHROMIUM`,
    );
  }
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  cleanups.push(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  if (url) await page.goto(url);
  return { browser, context, page };
}

/** Full-page PNG in test-results/screenshots/NAME.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotsDir, { recursive: true });
  const file = path.join(screenshotsDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Closes every browser and stops every server started through this module (newest first). */
export async function stop(): Promise<void> {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop()!;
    await cleanup().catch(() => undefined);
  }
}

/** Evaluate view: picks run, split and checkpoint and presses Evaluate (does not wait). */
export async function startEvaluation(
  page: Page,
  pick: { run: string; split: string; from: string },
): Promise<void> {
  await page.getByTestId('nav-evaluate').click();
  await page.getByTestId('pick-run').selectOption(pick.run);
  await page.getByTestId('pick-split').selectOption(pick.split);
  await page.getByTestId('pick-checkpoint').selectOption(pick.from);
  await page.getByTestId('evaluate').click();
}

/** Train view from the navigation, once the preset's defaults have loaded into the form. */
export async function openTrainForm(page: Page): Promise<void> {
  await page.getByTestId('nav-train').click();
  await page.getByTestId('train-form').waitFor();
  await expect.poll(() => page.getByTestId('train-width').inputValue()).not.toBe('');
}

/**
 * Fills the open Train form for a tiny run (64 px wide, batch 2; 64 px high unless given) and
 * presses Start (does not wait for the run).
 */
export async function startTinyRun(
  page: Page,
  run: { name: string; epochs: number; height?: number },
): Promise<void> {
  await page.getByTestId('train-runName').fill(run.name);
  await page.getByTestId('train-width').fill('64');
  await page.getByTestId('train-height').fill(String(run.height ?? 64));
  await page.getByTestId('train-batch').fill('2');
  await page.getByTestId('train-epochs').fill(String(run.epochs));
  await page.getByTestId('train-start').click();
}
