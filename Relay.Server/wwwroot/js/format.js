// Turning frames and times into text for people.

/** The readable part of a payload: a string, a conventional text field, or compact JSON. */
export function payloadText(data) {
  if (data === undefined || data === null) return '';
  if (typeof data === 'string') return data;
  for (const key of ['text', 'message', 'content', 'delta', 'chunk']) {
    if (typeof data[key] === 'string') return data[key];
  }
  return JSON.stringify(data);
}

export function timeAgo(date, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - date.getTime()) / 1000));
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  return date.toLocaleString();
}

export function clockTime(date) {
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** When a frame was sent or stored, as a Date, falling back to now. */
export function frameTime(frame) {
  const value = frame.received_at ?? frame.timestamp;
  const date = typeof value === 'number' ? new Date(value < 1e12 ? value * 1000 : value) : new Date(value ?? Date.now());
  return Number.isNaN(date.getTime()) ? new Date() : date;
}

export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
