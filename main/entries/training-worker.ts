import { WorkerCommand, type WorkerEvent } from '../../shared/worker/protocol';
import { backendInfo } from '../native/backend';
import { connectToParent } from '../worker/parent-link';

const parent = connectToParent();
const emit = (event: WorkerEvent): void => parent.send(event);

parent.onMessage((raw) => {
  const parsed = WorkerCommand.safeParse(raw);
  if (!parsed.success) {
    emit({ type: 'error', message: `Invalid command: ${parsed.error.message}` });
    return;
  }
  const command = parsed.data;
  switch (command.type) {
    case 'ping':
      emit({ type: 'pong', nonce: command.nonce });
      break;
    case 'shutdown':
      process.exit(0);
  }
});

const info = backendInfo();
emit({ type: 'ready', pid: process.pid, backend: info.backend, native: info.native });
