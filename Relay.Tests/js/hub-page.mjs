// A web page on an origin of its own (not the relay's) using the official SignalR browser bundle, in headless
// Chromium. The page comes from a server of this script's on loopback (http://localhost:PORT): a page the browser
// made up itself would count as coming from the internet, which Chromium keeps from reaching loopback at all.
// --chromium /path/to/chromium
// Commands: connect {relay, agent, transport} -> the ack of a broadcast the page sent once connected.
// Events: "ready" once the page is open, with its origin.
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { emit, options, serve } from './lines.mjs';

const { chromium: executablePath } = options();

const server = http.createServer((_, response) => {
  response.writeHead(200, { 'content-type': 'text/html' });
  response.end('<!doctype html><title>agent</title>');
});
await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
const origin = `http://localhost:${server.address().port}`;

const profile = await mkdtemp(path.join(tmpdir(), 'relay-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  timeout: 30_000,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = context.pages()[0] ?? await context.newPage();
await page.goto(`${origin}/agent.html`);
await page.addScriptTag({ path: path.join(import.meta.dirname, 'node_modules/@microsoft/signalr/dist/browser/signalr.js') });
emit('ready', { origin: await page.evaluate(() => location.origin) });

await serve(
  {
    connect: ({ relay, agent, transport }) => page.evaluate(async ([relay, agent, transport]) => {
      const connection = new signalR.HubConnectionBuilder()
        .withUrl(`${relay}/hubs/relay?agent=${encodeURIComponent(agent)}`, { transport: signalR.HttpTransportType[transport] })
        .configureLogging(signalR.LogLevel.None)
        .build();
      await connection.start();
      try {
        return await connection.invoke('Send', { content: { text: `from a page over ${transport}` } });
      } finally {
        await connection.stop();
      }
    }, [relay, agent, transport]),
  },
  async () => {
    await context.close().catch(() => {});
    server.close();
    await rm(profile, { recursive: true, force: true });
  },
  90,
);
