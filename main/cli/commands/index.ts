import type { CliCommand } from '../framework';
import { doctorCommand } from './doctor';
import { inspectCommand } from './inspect';
import { resumeCommand } from './resume';
import { serveCommand } from './serve';
import { trainCommand } from './train';

/** One module per command; register it here. Order is the order shown by --help. */
export const cliCommands: readonly CliCommand[] = [
  doctorCommand,
  inspectCommand,
  trainCommand,
  resumeCommand,
  serveCommand,
];
