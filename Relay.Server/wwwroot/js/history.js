// Earlier messages for this agent from GET /api/history (what the hub's History returns: broadcasts
// and the directs to or from this agent). Each call asks for twice as many as the last, newest first,
// and the feed places the ones it has not shown yet by seq.

const FIRST_PAGE = 50;
const MAX_PAGE = 1000;

export class History {
  constructor() {
    this.limit = FIRST_PAGE;
  }

  reset() {
    this.limit = FIRST_PAGE;
  }

  /** The next page as mesh-style frames, oldest first. */
  async load(agent, token) {
    const query = new URLSearchParams({ agent, limit: String(this.limit) });
    const response = await fetch(`/api/history?${query}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    if (!response.ok) {
      const problem = await response.json().catch(() => null);
      throw new Error(problem?.message ?? `HTTP ${response.status}`);
    }
    this.limit = Math.min(this.limit * 2, MAX_PAGE);
    return (await response.json()).map(toFrame);
  }
}

/** A stored envelope in the shape the mesh door relays it. */
function toFrame(envelope) {
  const type = envelope.kind === 'message' ? (envelope.to ? 'direct' : 'broadcast') : envelope.kind;
  return {
    type,
    from: envelope.from,
    to: envelope.to ?? undefined,
    id: envelope.id,
    data: envelope.content,
    seq: envelope.seq,
    received_at: envelope.received_at,
  };
}
