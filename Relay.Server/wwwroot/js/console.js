// Wires the console page: join/leave, the roster, the feed, sending, history and errors.
import { MeshSocket, relaySocketUrl } from './mesh-socket.js';
import { Roster } from './roster.js';
import { FEED_KINDS, Feed, errorText } from './feed.js';
import { History } from './history.js';

const AGENTS_REFRESH_MS = 10_000;
const PRESENCE_REFRESH_MS = 250;
const $ = id => document.getElementById(id);

const ui = {
  status: $('status'),
  join: $('join'), name: $('agent-name'), token: $('token'), joinButton: $('join-button'), leaveButton: $('leave-button'),
  error: $('error'), errorText: $('error-text'), errorDismiss: $('error-dismiss'),
  compose: $('compose'), recipient: $('recipient'), message: $('message'), sendButton: $('send-button'),
  historyButton: $('history-button'),
};

const feed = new Feed($('feed'));
const roster = new Roster($('roster'), $('roster-empty'), updateRecipients);
const historyPages = new History();
let socket = null;
let refreshTimer = null;
let presenceRefresh = null;
let agentsRefused = false;

ui.name.value = new URLSearchParams(location.search).get('agent') ?? localStorage.getItem('relay.console.agent') ?? `console-${Math.random().toString(36).slice(2, 6)}`;

ui.join.addEventListener('submit', event => {
  event.preventDefault();
  join(ui.name.value.trim(), ui.token.value.trim());
});
ui.leaveButton.addEventListener('click', () => socket?.stop());
ui.errorDismiss.addEventListener('click', () => { ui.error.hidden = true; });
ui.compose.addEventListener('submit', event => {
  event.preventDefault();
  send();
});
ui.message.addEventListener('keydown', event => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    ui.compose.requestSubmit();
  }
});
ui.historyButton.addEventListener('click', loadHistory);
setInterval(() => roster.render(), 5_000);

function join(agent, token) {
  if (!agent) return showError('Choose an agent name first.');
  localStorage.setItem('relay.console.agent', agent);
  ui.error.hidden = true;
  socket?.stop();
  feed.clear();
  historyPages.reset();
  agentsRefused = false;
  ui.historyButton.textContent = 'Load history';
  roster.reset(agent);
  socket = new MeshSocket({
    url: relaySocketUrl(location),
    agent,
    token,
    metadata: { role: 'console', client: 'SignalRelay console' },
    onFrame: receive,
    onState: (state, detail) => setState(state, detail, agent),
  });
  socket.start();
}

function receive(frame) {
  roster.heard(frame.from);
  if (frame.type === 'presence') {
    roster.presence(frame);
    // Presence frames carry no protocol or last-seen from the relay; ask for them once things settle.
    clearTimeout(presenceRefresh);
    presenceRefresh = setTimeout(refreshAgents, PRESENCE_REFRESH_MS);
  } else if (frame.type === 'error' && frame.from === 'relay') {
    // Only the relay's own errors (no agent may take its name) are shown as the relay speaking; an agent's error frame is traffic.
    showError(`The relay says ${errorText(frame.data)}`);
  } else if (FEED_KINDS.has(frame.type)) {
    feed.add(frame);
  }
}

function setState(state, detail, agent) {
  const live = state === 'online';
  ui.status.dataset.state = state;
  ui.status.textContent = {
    connecting: 'Connecting…',
    online: `Online as ${agent}`,
    reconnecting: detail?.delay ? `Connection lost; retrying in ${Math.round(detail.delay / 100) / 10} s (attempt ${detail.attempt})` : 'Reconnecting…',
    offline: 'Not connected',
    failed: 'Refused by the relay',
  }[state];
  if (state === 'failed') showError(`The relay refused this session: ${sentence(errorText(detail))} Check the agent name and token, then join again.`);
  if (live) ui.error.hidden = true;
  roster.connected(live);

  const joined = state !== 'offline' && state !== 'failed';
  ui.name.disabled = ui.token.disabled = ui.joinButton.disabled = joined;
  ui.leaveButton.disabled = !joined;
  ui.message.disabled = ui.sendButton.disabled = ui.historyButton.disabled = !live;

  clearInterval(refreshTimer);
  if (live) {
    refreshAgents();
    refreshTimer = setInterval(refreshAgents, AGENTS_REFRESH_MS);
  }
}

function send() {
  const text = ui.message.value.trim();
  if (!text || !socket) return;
  const to = ui.recipient.value || undefined;
  const frame = { type: to ? 'direct' : 'broadcast', from: roster.self, to, id: messageId(), data: { text }, timestamp: Date.now() };
  try {
    socket.send(frame);
  } catch (error) {
    return showError(error.message);
  }
  feed.add(frame, { own: true });
  ui.message.value = '';
}

async function loadHistory() {
  ui.historyButton.disabled = true;
  try {
    const added = feed.addHistory(await historyPages.load(roster.self, ui.token.value.trim()));
    ui.historyButton.textContent = added > 0 ? 'Load more history' : 'No older messages';
  } catch (error) {
    showError(`History could not be loaded: ${error.message}`);
  } finally {
    ui.historyButton.disabled = !socket?.connected;
  }
}

// With auth on, /api/agents is for admins: on 401/403 the page stops asking and lives on presence frames.
// The relay lists its agents in pages, each after the last one's id, until a page is empty.
async function refreshAgents() {
  if (agentsRefused) return;
  try {
    const token = ui.token.value.trim();
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    for (let after = null; ;) {
      const response = await fetch(after === null ? '/api/agents' : `/api/agents?after=${encodeURIComponent(after)}`, { headers });
      agentsRefused = response.status === 401 || response.status === 403;
      if (!response.ok) return;
      const page = await response.json();
      if (page.length === 0) return;
      roster.merge(page);
      after = page[page.length - 1].id;
    }
  } catch {
    // The live presence frames still keep the list current; the next refresh tries again.
  }
}

// Rebuilt only when the set changes, so an open drop-down is not snapped shut by the roster's clock.
function updateRecipients() {
  const online = roster.online();
  if (online.join('\n') === [...ui.recipient.options].slice(1).map(option => option.value).join('\n')) return;
  const chosen = ui.recipient.value;
  const options = online.map(id => new Option(id, id));
  ui.recipient.replaceChildren(new Option('Everyone (broadcast)', ''), ...options);
  ui.recipient.value = options.some(option => option.value === chosen) ? chosen : '';
}

function showError(text) {
  ui.errorText.textContent = text;
  ui.error.hidden = false;
}

function sentence(text) {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function messageId() {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
