import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { WsClientMessage, type WsServerMessage } from '../../shared/ipc/wire';
import type { AppServices } from '../services/index';

/**
 * The contract over a WebSocket: each `call` goes through the same Dispatcher as ipcMain
 * (payloads validated there), and every EventHub event is forwarded to every open socket.
 * Authentication happens before the upgrade (see server.ts); this only speaks the protocol.
 *
 * A malformed frame (invalid UTF-8, an over-long or unmasked frame, a reserved opcode or RSV
 * bit) makes `ws` close that socket with the matching code (1007, 1009, 1002) and emit `error`
 * on it; the listener below is what keeps that error from ending the whole server.
 */
export interface WsAdapter {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 1024 * 1024;

/** One line per dropped client, so a misbehaving one is visible without being fatal. */
export type WsLog = (line: string) => void;

const stderrLog: WsLog = (line) => void process.stderr.write(`${line}\n`);

export function createWsAdapter(services: AppServices, log: WsLog = stderrLog): WsAdapter {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  wss.on('error', (err) => log(`segstudio serve: WebSocket server error: ${err.message}`));
  let nextClient = 1;

  const send = (ws: WebSocket, message: WsServerMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };

  const removeSink = services.events.addSink((channel, payload) => {
    for (const ws of wss.clients) send(ws, { type: 'event', channel, payload });
  });

  wss.on('connection', (ws: WebSocket) => {
    const clientId = `ws-${nextClient++}`;
    // ws has already closed the socket with the right code; this only records why.
    ws.on('error', (err) => log(`segstudio serve: closed WebSocket ${clientId}: ${err.message}`));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'text frames only');
      let raw: unknown;
      try {
        raw = JSON.parse(String(data));
      } catch {
        return ws.close(1007, 'invalid JSON');
      }
      const parsed = WsClientMessage.safeParse(raw);
      if (!parsed.success) return ws.close(1008, 'invalid message');
      const { id, channel, payload } = parsed.data;
      void services.dispatcher
        .dispatch(channel, payload, { clientId })
        .then((result) => send(ws, { type: 'result', id, result }))
        .catch((err: unknown) => {
          // The dispatcher turns handler errors into results; reaching here is our bug.
          log(`segstudio serve: call ${channel} failed: ${(err as Error).stack ?? String(err)}`);
          ws.close(1011, 'internal error');
        });
    });
  });

  return {
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    close() {
      removeSink();
      for (const ws of wss.clients) ws.terminate();
      return new Promise((resolve) => wss.close(() => resolve()));
    },
  };
}
