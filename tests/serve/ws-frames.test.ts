import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/build';
import {
  connectClient,
  isAlive,
  progressStep,
  startServeProcess,
  type ServeClient,
  type ServeProcess,
} from '../support/serve-process';
import { makeMiniCamvid } from '../support/datasets';

// Malformed WebSocket frames, written byte by byte on raw TCP sockets to a real
// `segstudio serve` process that is training a model. Each frame must close only its own
// socket, with the code RFC 6455 gives for it; the server, the other sockets and the training
// must carry on.

let dataDir: string;
let dataset: string;
let serve: ServeProcess;
let client: ServeClient;

beforeAll(async () => {
  ensureBuilt();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'segstudio-ws-frames-'));
  dataset = makeMiniCamvid({ train: 8, val: 2 });
  serve = await startServeProcess([dataset], { SEGSTUDIO_DATA_DIR: dataDir });
  client = await connectClient(serve);
}, 60_000);

afterAll(async () => {
  client?.ws.close();
  if (serve && serve.child.exitCode === null) {
    serve.child.kill('SIGTERM');
    await serve.exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(dataset, { recursive: true, force: true });
});

interface FrameSpec {
  readonly opcode: number;
  readonly payload?: Buffer;
  readonly fin?: boolean;
  readonly rsv?: number;
  readonly masked?: boolean;
  /** Announce this length instead of the payload's (the payload itself is not sent). */
  readonly announce?: number;
}

/** One frame as RFC 6455 section 5.2 lays it out. */
function frame({
  opcode,
  payload = Buffer.alloc(0),
  fin = true,
  rsv = 0,
  masked = true,
  announce,
}: FrameSpec): Buffer {
  const length = announce ?? payload.length;
  const head = [(fin ? 0x80 : 0) | (rsv << 4) | opcode];
  const maskBit = masked ? 0x80 : 0;
  let ext = Buffer.alloc(0);
  if (length < 126) head.push(maskBit | length);
  else if (length < 0x10000) {
    head.push(maskBit | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(length);
  } else {
    head.push(maskBit | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(BigInt(length));
  }
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const body = announce === undefined ? Buffer.from(payload) : Buffer.alloc(0);
  if (masked) for (let i = 0; i < body.length; i++) body[i]! ^= key[i % 4]!;
  return Buffer.concat([Buffer.from(head), ext, masked ? key : Buffer.alloc(0), body]);
}

interface RawOutcome {
  /** Status line of the handshake answer. */
  readonly handshake: string;
  /** Close code of the server's close frame; null if none came before the socket ended. */
  readonly closeCode: number | null;
}

/** The headers of a valid, authenticated WebSocket upgrade to the running server. */
const upgradeHeaders = (): string[] => [
  `Host: 127.0.0.1:${serve.url.port}`,
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Version: 13',
  `Authorization: Bearer ${serve.token}`,
];

/** Authenticated upgrade on a raw socket, then `bytes`; collects until the server hangs up. */
function sendRaw(bytes: Buffer): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(serve.url.port), '127.0.0.1');
    let received = Buffer.alloc(0);
    let upgraded = false;
    socket.on('connect', () =>
      socket.write(['GET /ws HTTP/1.1', ...upgradeHeaders(), '', ''].join('\r\n')),
    );
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (!upgraded && received.includes('\r\n\r\n')) {
        upgraded = true;
        socket.write(bytes);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const end = received.indexOf('\r\n\r\n');
      const handshake = received.subarray(0, received.indexOf('\r\n')).toString();
      const frames = received.subarray(end + 4);
      // Server frames are unmasked: byte 0 = FIN|opcode, byte 1 = length (< 126 for close).
      const isClose = frames.length >= 4 && (frames[0]! & 0x0f) === 0x8;
      resolve({ handshake, closeCode: isClose ? frames.readUInt16BE(2) : null });
    });
  });
}

/** An authenticated upgrade request whose `override` lines replace the standard ones. */
function rawHandshake(override: string[]): Promise<string> {
  const names = override.map((h) => h.split(':')[0]!.toLowerCase());
  const lines = upgradeHeaders().filter((h) => !names.includes(h.split(':')[0]!.toLowerCase()));
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(serve.url.port), '127.0.0.1');
    let received = '';
    socket.on('connect', () =>
      socket.write(['GET /ws HTTP/1.1', ...lines, ...override, '', ''].join('\r\n')),
    );
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(received.slice(0, received.indexOf('\r\n'))));
  });
}

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

const malformed: [string, Buffer, number][] = [
  [
    'a text frame of invalid UTF-8',
    frame({ opcode: 0x1, payload: Buffer.from([0xc3, 0x28, 0xff]) }),
    1007,
  ],
  ['a frame longer than the 1 MiB limit', frame({ opcode: 0x1, announce: 2 * 1024 * 1024 }), 1009],
  ['an unmasked client frame', frame({ opcode: 0x1, payload: text('{}'), masked: false }), 1002],
  ['a reserved data opcode (0x3)', frame({ opcode: 0x3, payload: text('x') }), 1002],
  ['a reserved control opcode (0xB)', frame({ opcode: 0xb }), 1002],
  [
    'the RSV1 bit without an extension',
    frame({ opcode: 0x1, payload: text('{}'), rsv: 0b100 }),
    1002,
  ],
  ['the RSV2 and RSV3 bits', frame({ opcode: 0x1, payload: text('{}'), rsv: 0b011 }), 1002],
  ['a fragmented control frame', frame({ opcode: 0x9, fin: false }), 1002],
  ['a control frame over 125 bytes', frame({ opcode: 0x9, payload: Buffer.alloc(126) }), 1002],
  [
    'a close frame with a reserved code',
    frame({ opcode: 0x8, payload: Buffer.from([0x03, 0xe7]) }),
    1002,
  ],
  ['a continuation without a first fragment', frame({ opcode: 0x0, payload: text('{}') }), 1002],
];

describe('serve: malformed WebSocket frames from an authenticated client', () => {
  let stepBefore = 0;

  it('is training in the server to begin with', async () => {
    const started = await client.call('training:start', {
      runName: 'frames',
      width: 64,
      height: 64,
      batch: 2,
      epochs: 500,
      valSplit: null,
    });
    expect(started, JSON.stringify(started)).toMatchObject({ ok: true });
    stepBefore = progressStep(await client.waitFor((m) => progressStep(m) >= 1));
  }, 120_000);

  for (const [what, bytes, code] of malformed) {
    it(`closes only that socket, with ${code}, on ${what}`, async () => {
      const outcome = await sendRaw(bytes);
      expect(outcome.handshake).toBe('HTTP/1.1 101 Switching Protocols');
      expect(outcome.closeCode).toBe(code);
      expect(isAlive(serve.child.pid!)).toBe(true);
    });
  }

  const handshakes: [string, string[], string][] = [
    ['an unsupported protocol version', ['Sec-WebSocket-Version: 7'], '400'],
    ['no Sec-WebSocket-Key', ['Sec-WebSocket-Key:'], '400'],
    ['a malformed Sec-WebSocket-Key', ['Sec-WebSocket-Key: short'], '400'],
    ['a line that is not a header at all', ['\u0000\u0001 garbage'], '400'],
  ];
  for (const [what, headers, status] of handshakes) {
    it(`answers ${status} to a handshake with ${what}, and keeps running`, async () => {
      const answer = await rawHandshake(headers);
      expect(answer.split(' ')[1]).toBe(status);
      expect(isAlive(serve.child.pid!)).toBe(true);
    });
  }

  it('still answers HTTP, the open socket and new sockets afterwards', async () => {
    const health = await fetch(`${serve.url.origin}/api/health`, {
      headers: { authorization: `Bearer ${serve.token}` },
    });
    expect(health.status).toBe(200);
    expect(await client.call('system:ping', { nonce: 'after' })).toMatchObject({
      ok: true,
      value: { nonce: 'after' },
    });
    const other = await connectClient(serve);
    expect(await other.call('system:ping', { nonce: 'new' })).toMatchObject({
      ok: true,
      value: { nonce: 'new' },
    });
    other.ws.close();
  });

  it('kept training through all of it, and pauses with a checkpoint on request', async () => {
    const seenNow = Math.max(...client.messages.map(progressStep));
    expect(seenNow).toBeGreaterThanOrEqual(stepBefore);
    // A step strictly after every bad frame proves the training worker is still going.
    await client.waitFor((m) => progressStep(m) > seenNow);
    expect(await client.call('training:pause', {})).toMatchObject({ ok: true });
    const paused = await client.waitFor(
      (m) =>
        m['channel'] === 'training@state' && (m['payload'] as { state: string }).state === 'paused',
    );
    expect(paused['payload']).toMatchObject({ runName: 'frames', state: 'paused' });
  }, 120_000);

  it('logged each dropped socket, and no error reached the process guard', () => {
    const output = serve.output();
    expect(output).toMatch(
      /closed WebSocket ws-\d+: Invalid WebSocket frame: invalid UTF-8 sequence/,
    );
    expect(output).toMatch(/closed WebSocket ws-\d+: Max payload size exceeded/);
    expect(output).not.toContain('BUG:');
  });
});
