// A relay agent built on the official @microsoft/signalr client, restricted to one transport.
// --url http://host:port  --agent ID  --transport WebSockets|ServerSentEvents|LongPolling  [--token JWT]
// [--reconnect-after-ms N]: reconnect by itself after N ms, resuming after the last seq received (README's recipe);
// emits "reconnecting" and "reconnected".
// Emits "connected" (with the transport the client selected), "receive", "presence", "relay_error",
// "closed"; commands: send {request} -> the relay's ack; invoke {method, args} -> the hub method's result.
import * as signalR from '@microsoft/signalr';
import { emit, options, serve } from './lines.mjs';

const { url, agent, transport, token, 'reconnect-after-ms': reconnectAfterMs } = options();

// The client names the transport it picked only in its debug log; keep that line.
let selected = null;
const logger = {
  log(level, message) {
    const match = /Selecting transport '(\w+)'/.exec(message);
    if (match) selected = match[1];
    if (level >= signalR.LogLevel.Error) emit('log', { message });
  },
};

const hubUrl = `${url}/hubs/relay?agent=${encodeURIComponent(agent)}`;
const builder = new signalR.HubConnectionBuilder()
  .withUrl(hubUrl, {
    transport: signalR.HttpTransportType[transport],
    accessTokenFactory: token ? () => token : undefined,
  })
  .configureLogging(logger);
if (reconnectAfterMs) builder.withAutomaticReconnect([Number(reconnectAfterMs), 1000, 1000, 1000]);
const connection = builder.build();

let lastSeq = null;
connection.onreconnecting(error => {
  connection.baseUrl = `${hubUrl}&resume=${lastSeq ?? 'start'}`;
  emit('reconnecting', { error: error ? String(error.message ?? error) : null, resume: lastSeq });
});
connection.onreconnected(() => emit('reconnected'));
connection.on('Receive', envelope => {
  lastSeq = envelope.seq;
  emit('receive', { envelope });
});
connection.on('Presence', presence => emit('presence', { presence }));
connection.on('Error', error => emit('relay_error', { error }));
connection.onclose(error => emit('closed', { error: error ? String(error.message ?? error) : null }));

try {
  await connection.start();
  emit('connected', { transport: selected, connectionId: connection.connectionId });
} catch (error) {
  emit('start_failed', { error: String(error?.message ?? error) });
  process.exit(2);
}

await serve(
  {
    send: ({ request }) => connection.invoke('Send', request),
    invoke: ({ method, args }) => connection.invoke(method, ...(args ?? [])),
  },
  () => connection.stop(),
);
