// Serve-mode counterpart of preload/electron.ts: installs the same transport over a WebSocket
// so the renderer runs unchanged in a browser. Authentication rides on the session cookie
// the server set when the tokenised URL was opened.
import { unwrapResult, type RendererTransport } from '../shared/ipc/transport';
import { MEDIA_ROUTE, WS_PATH, WsServerMessage, type HostDescriptor } from '../shared/ipc/wire';

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };

class SocketTransport implements RendererTransport {
  private socket: WebSocket | undefined;
  private ready: Promise<WebSocket> | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();

  private connect(): Promise<WebSocket> {
    if (this.ready) return this.ready;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${WS_PATH}`;
    this.ready = new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.addEventListener('open', () => resolve(socket));
      socket.addEventListener('error', () =>
        reject(new Error('Cannot reach the Seg Studio server')),
      );
      socket.addEventListener('message', (msg) => this.onMessage(String(msg.data)));
      socket.addEventListener('close', () => this.onClose());
      this.socket = socket;
    });
    return this.ready;
  }

  private onMessage(raw: string): void {
    const parsed = WsServerMessage.safeParse(JSON.parse(raw));
    if (!parsed.success) return;
    const msg = parsed.data;
    if (msg.type === 'result') {
      const waiter = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (!waiter) return;
      try {
        waiter.resolve(unwrapResult(msg.result));
      } catch (err) {
        waiter.reject(err);
      }
    } else {
      for (const listener of this.listeners.get(msg.channel) ?? []) listener(msg.payload);
    }
  }

  private onClose(): void {
    for (const waiter of this.pending.values())
      waiter.reject(new Error('Connection to server lost'));
    this.pending.clear();
    this.ready = undefined;
    this.socket = undefined;
    // Keep events flowing after a server restart or a dropped connection.
    if (this.listeners.size > 0) setTimeout(() => void this.connect().catch(() => undefined), 1000);
  }

  async invoke(channel: string, payload: unknown): Promise<unknown> {
    const socket = await this.connect();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ type: 'call', id, channel, payload }));
    });
  }

  subscribe(channel: string, listener: (payload: unknown) => void): () => void {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    void this.connect().catch(() => undefined);
    return () => set.delete(listener);
  }
}

const host: HostDescriptor = { kind: 'serve', mediaBase: MEDIA_ROUTE };
Object.assign(window, { segstudioTransport: new SocketTransport(), segstudioHost: host });
