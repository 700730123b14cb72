// Who is on the relay: presence frames and /api/agents merged into one list.
import { element, timeAgo } from './format.js';

const HIDDEN_METADATA = new Set(['status', 'token']);

export class Roster {
  constructor(list, empty, onChange) {
    this.list = list;
    this.empty = empty;
    this.onChange = onChange;
    this.agents = new Map();
    this.self = null;
  }

  reset(self) {
    this.agents.clear();
    this.self = self;
    if (self) this.upsert(self, { online: true, protocol: 'mesh', metadata: { role: 'console' } });
  }

  /** This page's own entry follows its connection. */
  connected(online) {
    if (this.self) this.upsert(this.self, { online });
  }

  /** A presence frame: online with metadata, or offline. */
  presence(frame) {
    const { status, ...metadata } = frame.data ?? {};
    this.upsert(frame.from, { online: status !== 'offline', metadata: status === 'offline' ? undefined : metadata });
  }

  /** Any frame from an agent shows it was there just now. */
  heard(agent) {
    if (agent && agent !== 'relay' && this.agents.has(agent)) this.upsert(agent, {});
  }

  /** The relay's own view (GET /api/agents): adds last-seen and protocol, and agents seen before. */
  merge(infos) {
    for (const info of infos) {
      this.upsert(info.id, {
        online: info.online,
        protocol: info.protocol,
        lastSeen: info.last_seen ? new Date(info.last_seen) : undefined,
        metadata: info.metadata ?? undefined,
      }, false);
    }
    this.render();
  }

  online() {
    return [...this.agents.entries()].filter(([id, agent]) => agent.online && id !== this.self).map(([id]) => id).sort();
  }

  upsert(id, change, render = true) {
    const agent = this.agents.get(id) ?? { online: false, metadata: {}, lastSeen: new Date() };
    if (change.online !== undefined) agent.online = change.online;
    if (change.protocol) agent.protocol = change.protocol;
    if (change.metadata && Object.keys(change.metadata).length > 0) agent.metadata = change.metadata;
    // The relay's clock only moves last-seen forward; a frame heard now is the freshest news.
    agent.lastSeen = change.lastSeen && change.lastSeen < agent.lastSeen ? agent.lastSeen : (change.lastSeen ?? new Date());
    this.agents.set(id, agent);
    if (render) this.renderSoon();
  }

  /** Every frame heard touches an agent: the list is drawn once per animation frame, not once per message. */
  renderSoon() {
    if (this.renderPending) return;
    this.renderPending = true;
    requestAnimationFrame(() => {
      this.renderPending = false;
      this.render();
    });
  }

  render() {
    const ids = [...this.agents.keys()].sort((a, b) =>
      (a === this.self ? -1 : b === this.self ? 1 : 0)
      || Number(this.agents.get(b).online) - Number(this.agents.get(a).online)
      || a.localeCompare(b));
    this.list.replaceChildren(...ids.map(id => this.item(id, this.agents.get(id))));
    this.empty.hidden = ids.length > 0;
    this.onChange();
  }

  item(id, agent) {
    const li = element('li', 'agent');
    li.dataset.agent = id;
    li.dataset.online = String(agent.online);
    li.append(element('div', 'agent-name', id === this.self ? `${id} (you)` : id));

    const state = element('div', 'agent-state');
    state.append(element('span', 'dot', '● '), `${agent.online ? 'online' : 'offline'}`);
    if (agent.protocol) state.append(` · ${agent.protocol}`);
    const seen = element('time', null, timeAgo(agent.lastSeen));
    seen.dateTime = agent.lastSeen.toISOString();
    seen.title = agent.lastSeen.toLocaleString();
    state.append(' · last seen ', seen);
    li.append(state);

    const entries = Object.entries(agent.metadata ?? {}).filter(([key]) => !HIDDEN_METADATA.has(key));
    if (entries.length > 0) {
      const list = element('dl');
      list.setAttribute('aria-label', `${id} metadata`);
      for (const [key, value] of entries) {
        list.append(element('dt', null, key), element('dd', null, typeof value === 'string' ? value : JSON.stringify(value)));
      }
      li.append(list);
    }
    return li;
  }
}
