import type { CliCommand } from '../framework';
import { benchCommand } from './bench';
import { demoCommand } from './demo';
import { doctorCommand } from './doctor';
import { evalCommand } from './eval';
import { exportCommand } from './export';
import { inspectCommand } from './inspect';
import { labelsCommand } from './labels';
import { predictCommand } from './predict';
import { projectCommand } from './project';
import { resumeCommand } from './resume';
import { serveCommand } from './serve';
import { trainCommand } from './train';

/** One module per command; register it here. Order is the order shown by --help. */
export const cliCommands: readonly CliCommand[] = [
  doctorCommand,
  inspectCommand,
  projectCommand,
  labelsCommand,
  trainCommand,
  resumeCommand,
  evalCommand,
  predictCommand,
  exportCommand,
  benchCommand,
  serveCommand,
  demoCommand,
];
