import { runCli } from '../cli/main';
import { actAsTerminalIfLaunched } from '../cli/quiet-launch';

actAsTerminalIfLaunched();

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `segstudio: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
