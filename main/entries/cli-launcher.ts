/** `segstudio` with libtensorflow's start-up lines filtered out (see main/cli/quiet-launch.ts). */
import path from 'node:path';
import { launchQuietCli } from '../cli/quiet-launch';

launchQuietCli(path.join(__dirname, 'cli.cjs'), process.argv.slice(2));
