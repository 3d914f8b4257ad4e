import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resourcesDir } from '../../paths';
import { parseCommandArgs, stringOption, numberOption, type CliCommand } from '../framework';
import { evalCommand } from './eval';
import { trainCommand } from './train';

/**
 * The README's first command on a headless machine: the same `train` and `eval` the user would
 * type, on the bundled licence-free sample, so a fresh install proves the whole engine works.
 */
export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'Train briefly on the bundled sample dataset, then evaluate it (headless tour)',
  options: {
    run: {
      type: 'string',
      value: 'DIR',
      description: 'run folder to create',
      default: 'a new temporary folder',
    },
    epochs: { type: 'string', value: 'E', description: 'epochs to train', default: '6' },
  },
  async run({ values, out }) {
    const dataset = path.join(resourcesDir(), 'sample');
    const runDir =
      stringOption(values, 'run') ??
      path.join(await mkdtemp(path.join(os.tmpdir(), 'segstudio-demo-')), 'demo-run');
    const epochs = numberOption(values, 'epochs', { integer: true, min: 1 }) ?? 6;
    out.info(`demo: training the default preset on ${dataset} for ${epochs} epochs`);
    const json = out.json ? ['--json'] : [];
    const trainArgs = parseCommandArgs(trainCommand, [
      ...['--dataset', dataset, '--run', runDir, '--size', '128x96'],
      ...['--batch', '4', '--epochs', String(epochs), '--seed', '7', ...json],
    ]);
    const trained = await trainCommand.run({ ...trainArgs, out });
    if (trained !== 0) return trained;
    out.info(`demo: evaluating the best checkpoint on the sample's val split`);
    const evalArgs = parseCommandArgs(evalCommand, [runDir, '--split', 'val', ...json]);
    const evaluated = await evalCommand.run({ ...evalArgs, out });
    if (evaluated === 0) {
      out.info(`demo: done. Run folder: ${runDir}`);
      out.info(`      browse it in the workbench: npx segstudio serve`);
    }
    return evaluated;
  },
};
