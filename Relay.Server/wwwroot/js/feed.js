// The live feed: one item per frame, in bus order (seq); a stream is one item that grows
// with each chunk and is closed by the sender's turn_end.
import { clockTime, element, frameTime, payloadText } from './format.js';

export const FEED_KINDS = new Set(['broadcast', 'direct', 'stream', 'turn_end', 'ack', 'error', 'message']);

/** The most items shown; past it the oldest go, so a page left open on a busy bus holds a bounded memory. */
export const MAX_FEED_ITEMS = 2000;

export class Feed {
  constructor(list) {
    this.list = list;
    this.seen = new Set();
    this.streams = new Map();
    // The seen keys of the frames each item shows (a stream's chunks too), forgotten with the item.
    this.keysOf = new WeakMap();
  }

  clear() {
    this.list.replaceChildren();
    this.seen.clear();
    this.streams.clear();
  }

  /**
   * A frame from the relay (or one this page sent, with own = true). Returns false for a repeat:
   * the same seq, or the same sender and id (this page's own message coming back in history).
   */
  add(frame, { own = false, streams = this.streams } = {}) {
    const keys = [frame.seq !== undefined && `#${frame.seq}`, frame.id && JSON.stringify([frame.from, frame.id])].filter(Boolean);
    if (keys.some(key => this.seen.has(key))) return false;
    keys.forEach(key => this.seen.add(key));
    const key = JSON.stringify([frame.from, frame.to ?? null]);
    const open = streams.get(key);
    if (frame.type === 'stream' && open) {
      this.keysOf.get(open.item).push(...keys);
      this.keepFollowing();
      open.body.textContent += payloadText(frame.data);
      return true;
    }
    if (frame.type === 'turn_end' && open) {
      this.keysOf.get(open.item).push(...keys);
      open.item.dataset.state = 'ended';
      open.state.textContent = 'ended';
      streams.delete(key);
      return true;
    }

    const item = this.item(frame, own);
    this.keysOf.set(item, keys);
    if (frame.type === 'stream') {
      item.dataset.state = 'streaming';
      const state = element('span', 'frame-state', 'streaming…');
      item.querySelector('.frame-meta').append(state);
      streams.set(key, { item, body: item.querySelector('.frame-body'), state });
    }
    this.insert(item, frame.seq);
    return true;
  }

  /** Older frames, each placed by seq among what is shown; streams among them are grouped on their own. */
  addHistory(frames) {
    const streams = new Map();
    return frames.filter(frame => FEED_KINDS.has(frame.type) && this.add(frame, { streams })).length;
  }

  item(frame, own) {
    const item = element('li', 'frame');
    item.dataset.kind = frame.type;
    item.dataset.own = String(own);
    if (frame.seq !== undefined) item.dataset.seq = String(frame.seq);

    const meta = element('div', 'frame-meta');
    meta.append(element('span', 'frame-kind', frame.type.replace('_', ' ')));
    meta.append(element('span', 'frame-route', frame.to ? `${frame.from} → ${frame.to}` : `${frame.from} → everyone`));
    const time = frameTime(frame);
    const clock = element('time', null, clockTime(time));
    clock.dateTime = time.toISOString();
    meta.append(clock);
    if (frame.seq !== undefined) meta.append(element('span', 'frame-seq', `#${frame.seq}`));
    item.append(meta);

    const text = frame.type === 'turn_end' ? `${frame.from} ended its turn` : payloadText(frame.data);
    item.append(element('p', 'frame-body', frame.type === 'error' ? errorText(frame.data) : text));
    return item;
  }

  insert(item, seq) {
    this.keepFollowing();
    this.list.insertBefore(item, seq === undefined ? null : this.firstAfter(seq));
    while (this.list.childElementCount > MAX_FEED_ITEMS) this.forget(this.list.firstElementChild);
  }

  forget(item) {
    item.remove();
    this.keysOf.get(item).forEach(key => this.seen.delete(key));
    for (const [key, open] of this.streams) {
      if (open.item === item) this.streams.delete(key);
    }
  }

  /** The first shown item with a seq above seq, searched from the newest end, where live frames land. */
  firstAfter(seq) {
    let later = null;
    for (let child = this.list.lastElementChild; child; child = child.previousElementSibling) {
      if (child.dataset.seq === undefined) continue;
      if (Number(child.dataset.seq) < seq) break;
      later = child;
    }
    return later;
  }

  /**
   * Scrolls to the newest item once the frame's changes are drawn, if the reader was there before them; someone who
   * scrolled back to read is left where they are. Measured once a frame: measuring after each insert lays the whole
   * list out again each time, which froze the page under a burst.
   */
  keepFollowing() {
    if (this.scrollPending !== undefined) return;
    this.scrollPending = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40;
    requestAnimationFrame(() => {
      if (this.scrollPending) this.list.scrollTop = this.list.scrollHeight;
      this.scrollPending = undefined;
    });
  }
}

export function errorText(data) {
  if (data && typeof data === 'object' && data.code) return `${data.code}: ${data.message ?? ''}`.trim();
  return payloadText(data);
}
