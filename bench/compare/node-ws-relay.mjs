// A bare relay on Node's `ws`, the kind users write in an afternoon and compare us with: each frame's bytes go to
// every other socket (or to the one named at connect time) and the sender gets a one-byte ACK. No JSON, no store.
// It speaks the bench's transport-reference protocol (bench/Relay.Bench/Targets/TransportReference.cs), so the
// same generator door drives both. Listens on 127.0.0.1 and a free port, and says where as Kestrel does.
import http from 'node:http';
import { WebSocketServer } from 'ws';

const ack = Buffer.from('A');
const ping = Buffer.from('P');
const sockets = new Map();

const server = http.createServer((_, response) => {
  response.writeHead(404).end();
});
const relay = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 128 * 1024 });

server.on('upgrade', (request, socket, head) => {
  const url = new URL(request.url, 'http://127.0.0.1');
  const agent = Number.parseInt(url.searchParams.get('agent') ?? '', 10);
  const to = url.searchParams.has('to') ? Number.parseInt(url.searchParams.get('to'), 10) : null;
  if (url.pathname !== '/transport' || Number.isNaN(agent)) {
    socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    return;
  }
  relay.handleUpgrade(request, socket, head, (ws) => {
    sockets.set(agent, ws);
    ws.on('message', (data, isBinary) => {
      const frame = { binary: isBinary };
      if (!data.equals(ping)) {
        if (to !== null) {
          sockets.get(to)?.send(data, frame);
        } else {
          for (const [id, peer] of sockets) {
            if (id !== agent) peer.send(data, frame);
          }
        }
      }
      ws.send(ack, { binary: false });
    });
    ws.on('close', () => {
      // Only this socket: a later pass's agent with the same number may have taken the slot already.
      if (sockets.get(agent) === ws) sockets.delete(agent);
    });
  });
});

server.listen(0, '127.0.0.1', () => {
  console.log(`Now listening on: http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
