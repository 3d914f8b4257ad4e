import { existsSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../paths';
import { createServeHost, serveDataDir } from '../../serve/host';
import { openInBrowser } from '../../serve/open-browser';
import { startServeServer } from '../../serve/server';
import { createAppServices, type AppServices } from '../../services/index';
import { installCrashGuard } from '../../serve/crash-guard';
import { warnIfFallback } from '../fallback-warning';
import { CliError, numberOption, stringOption, type CliCommand, type Output } from '../framework';
import { onShutdownRequest, type ShutdownReason } from '../shutdown';

const PROJECT_FILE = 'segstudio-project.json';

/** A project folder opens as is; any other folder is opened as a dataset. */
async function openInitialProject(services: AppServices, target: string, out: Output) {
  const dir = path.resolve(target);
  if (!existsSync(dir)) throw new CliError(`${dir} does not exist`);
  const isProject = existsSync(path.join(dir, PROJECT_FILE));
  const result = isProject
    ? await services.dispatcher.dispatch(
        'project:openProject',
        { projectDir: dir },
        { clientId: 'cli' },
      )
    : await services.dispatcher.dispatch(
        'project:openDataset',
        { datasetDir: dir },
        { clientId: 'cli' },
      );
  if (!result.ok) throw new CliError(`cannot open ${dir}: ${result.error.message}`);
  out.info(`Opened ${isProject ? 'project' : 'dataset'} ${dir}`);
}

/** Resolves on the first shutdown request; a second one while stopping exits at once. */
function waitForShutdown(out: Output): Promise<ShutdownReason> {
  return new Promise((resolve) => {
    let requested = false;
    onShutdownRequest((reason) => {
      if (!requested) {
        requested = true;
        return resolve(reason);
      }
      // The training worker still checkpoints on its own when its parent disappears.
      out.warn(`${reason} again: exiting without waiting for the training to pause`);
      process.exit(130);
    });
  });
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Serve the workbench to a browser (token-protected, loopback only by default)',
  args: '[PROJECT_OR_DATASET]',
  options: {
    port: {
      type: 'string',
      value: 'P',
      description: 'TCP port (0 picks a free one)',
      default: '0',
    },
    host: {
      type: 'string',
      value: 'HOST',
      description: 'address to listen on (loopback only unless you mean it)',
      default: '127.0.0.1',
    },
    'no-open': { type: 'boolean', description: 'do not open a browser', default: 'off' },
  },
  allowPositionals: true,
  async run({ values, positionals, out }) {
    if (positionals.length > 1) throw new CliError('serve takes at most one folder', 2);
    const port = numberOption(values, 'port', { integer: true, min: 0 }) ?? 0;
    if (port > 65535) throw new CliError(`--port must be 0..65535, got ${port}`, 2);
    const host = stringOption(values, 'host') ?? '127.0.0.1';
    const rendererDir = path.join(packageRoot(), 'out', 'renderer');
    if (!existsSync(path.join(rendererDir, 'index.html'))) {
      out.warn(
        'the renderer is not built (out/renderer): run `npm run build`; the API still works',
      );
    }
    // From here on a client's input, or a bug of ours, must not take the server down.
    installCrashGuard();
    const dataDir = serveDataDir();
    const services = createAppServices(createServeHost(dataDir));
    if (positionals[0]) await openInitialProject(services, positionals[0], out);

    let server;
    try {
      server = await startServeServer({
        services,
        media: services.media,
        rendererDir,
        host,
        port,
        health: () => ({ project: services.session.current()?.name ?? null }),
      });
    } catch (err) {
      await services.dispose();
      throw new CliError(`cannot listen on ${host}:${port}: ${(err as Error).message}`);
    }
    if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
      out.warn(
        `listening on ${host}: anyone who can reach this port and has the token gets full access`,
      );
    }
    out.info(`Seg Studio serve (data in ${dataDir})`);
    out.info(`Open: ${server.url}`);
    out.info('Press Ctrl-C to stop.');
    // Training runs in workers, but the UI's banner is not seen on a headless box: say it here.
    warnIfFallback(out);
    if (out.json) out.result({ url: server.url, port: server.port, host, dataDir }, () => '');
    if (values['no-open'] !== true) openInBrowser(server.url);
    const reason = await waitForShutdown(out);
    out.info(`Stopping (${reason}): pausing any training with a checkpoint...`);
    await server.close();
    await services.dispose();
    return 0;
  },
};
