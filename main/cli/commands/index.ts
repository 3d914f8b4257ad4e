import type { CliCommand } from '../framework';
import { doctorCommand } from './doctor';

/** One module per command; register it here. Order is the order shown by --help. */
export const cliCommands: readonly CliCommand[] = [doctorCommand];
