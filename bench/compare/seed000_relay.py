"""A relay written here to seed 000's description (the Python relay SignalRelay grew from), for the bench to
measure beside ours: Python's `websockets` and `sqlite3`, the v0.3 frames of the seed, every message stored in
SQLite before its ACK and then sent to every other agent (or to its recipient). The seed gives the protocol and
the features, not the code, so this is the straightforward way to build them: one asyncio loop, one commit per
message, with the same durability setting as our store (WAL, synchronous=FULL). Only what the bench sends is
handled: HELLO, MESSAGE, PING.

Usage: python3 seed000_relay.py DATABASE_PATH. Listens on 127.0.0.1 and a free port, and says where as Kestrel does.
"""

import asyncio
import json
import sqlite3
import sys
from datetime import datetime, timezone

import websockets

VERSION = "0.3"


def utc_now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def frame(message_type, **fields):
    return json.dumps({"protocol_version": VERSION, "message_type": message_type, **fields}, separators=(",", ":"))


class Relay:
    def __init__(self, database_path):
        self.db = sqlite3.connect(database_path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS messages (message_id TEXT, sender TEXT, recipient TEXT,"
            " content TEXT, timestamp TEXT)")
        self.agents = {}

    def store(self, message_id, sender, recipient, content, timestamp):
        with self.db:
            self.db.execute("INSERT INTO messages VALUES (?, ?, ?, ?, ?)",
                            (message_id, sender, recipient, json.dumps(content), timestamp))

    async def serve(self, socket, path=None):
        name = None
        try:
            async for raw in socket:
                request = json.loads(raw)
                kind = request.get("message_type")
                if kind == "HELLO":
                    name = request["sender"]
                    self.agents[name] = socket
                    await socket.send(frame("WELCOME", session_id=f"session-{name}", heartbeat_interval=30,
                                            server_capabilities={"relay": True, "persistence": True, "history": True},
                                            connected_agents=len(self.agents)))
                elif kind == "MESSAGE" and name is not None:
                    await self.relay(socket, name, request)
                elif kind == "PING":
                    await socket.send(frame("PONG", timestamp=utc_now()))
        except websockets.ConnectionClosed:
            pass
        finally:
            if name is not None and self.agents.get(name) is socket:
                del self.agents[name]

    async def relay(self, socket, sender, request):
        message_id = request["message_id"]
        recipient = request.get("recipient")
        timestamp = utc_now()
        self.store(message_id, sender, recipient, request.get("content"), timestamp)
        await socket.send(frame("ACK", message_id=message_id, timestamp=timestamp))
        out = frame("MESSAGE", message_id=message_id, sender=sender, content=request.get("content"),
                    timestamp=timestamp)
        if recipient is not None:
            receivers = [self.agents[recipient]] if recipient in self.agents else []
        else:
            receivers = [peer for agent, peer in self.agents.items() if agent != sender]
        websockets.broadcast(receivers, out)


async def main(database_path):
    relay = Relay(database_path)
    async with websockets.serve(relay.serve, "127.0.0.1", 0, compression=None, max_size=1024 * 1024) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"Now listening on: http://127.0.0.1:{port}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
