// One mesh-dialect session over ws(s)://<this host>/ws: announces itself with a presence frame,
// keeps alive with heartbeats, and rejoins by itself with backoff until it is told to stop or the
// relay refuses it for a reason a retry cannot fix (a bad token, a bad name, a newer session).

const HEARTBEAT_MS = 10_000;
const BACKOFF_MS = [500, 1_000, 2_000, 4_000, 8_000, 15_000];
// Refusals a retry cannot fix. Close code 1008 alone says nothing: the relay also uses it for a
// heartbeat timeout or a slow reader, after which rejoining is right.
const FATAL_CODES = new Set(['AUTH_REQUIRED', 'INVALID_TOKEN', 'TOKEN_EXPIRED', 'INVALID_AGENT_ID', 'SESSION_REPLACED', 'SENDER_MISMATCH']);

export function relaySocketUrl(location) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

export class MeshSocket {
  /**
   * @param {{url: string, agent: string, token: string, metadata: object,
   *          onFrame: (frame: object) => void, onState: (state: string, detail?: object) => void}} options
   */
  constructor(options) {
    this.options = options;
    this.attempt = 0;
    this.stopped = true;
    this.socket = null;
    this.fatal = null;
  }

  get connected() {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  start() {
    this.stopped = false;
    this.fatal = null;
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeatTimer);
    this.socket?.close(1000, 'left');
  }

  send(frame) {
    if (!this.connected) throw new Error('Not connected to the relay.');
    this.socket.send(JSON.stringify(frame));
  }

  open() {
    const { url, agent, token, metadata, onState } = this.options;
    onState(this.attempt === 0 ? 'connecting' : 'reconnecting', { attempt: this.attempt });
    const socket = new WebSocket(url);
    this.socket = socket;

    socket.addEventListener('open', () => {
      const presence = { type: 'presence', from: agent, data: { status: 'online', ...metadata }, timestamp: Date.now() };
      if (token) presence.token = token;
      socket.send(JSON.stringify(presence));
      this.heartbeatTimer = setInterval(() => {
        if (socket.readyState !== WebSocket.OPEN) return;
        socket.send(JSON.stringify({ type: 'heartbeat', from: agent, timestamp: Date.now() }));
        // Only a session that lasted counts as recovered; one dropped at once keeps backing off.
        this.attempt = 0;
      }, HEARTBEAT_MS);
      onState('online');
    });

    socket.addEventListener('message', event => this.receive(event.data));
    socket.addEventListener('close', event => this.closed(socket, event));
  }

  receive(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      frame = { type: 'error', from: 'relay', data: { code: 'UNREADABLE_FRAME', message: `The relay sent something that is not JSON: ${String(text).slice(0, 200)}` } };
    }
    if (frame.type === 'error' && frame.from === 'relay' && FATAL_CODES.has(frame.data?.code) && frame.data?.recoverable !== true) {
      this.fatal = frame.data;
    }
    this.options.onFrame(frame);
  }

  closed(socket, event) {
    clearInterval(this.heartbeatTimer);
    if (this.socket !== socket) return;
    if (this.stopped) {
      this.options.onState('offline');
    } else if (this.fatal) {
      this.stopped = true;
      this.options.onState('failed', this.fatal);
    } else {
      const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
      this.attempt += 1;
      this.options.onState('reconnecting', { attempt: this.attempt, delay, code: event.code, reason: event.reason });
      this.retryTimer = setTimeout(() => this.open(), delay);
    }
  }
}
