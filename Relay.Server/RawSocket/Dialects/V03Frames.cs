using System.Text.Json;
using SignalRelay.Contracts;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.RawSocket.Dialects;

/// <summary>The server frames of the v0.3 dialect. Every one carries <c>protocol_version</c>.</summary>
public static class V03Frames
{
    public const string Version = "0.3";

    /// <summary>The sender of the relay's own MESSAGE frames (join and leave of others), as in the seed.</summary>
    public const string RelaySender = "relay_server";

    public static byte[] Welcome(string sessionId, int heartbeatSeconds, int connectedAgents) =>
        JsonFrame.Write((sessionId, heartbeatSeconds, connectedAgents), static (w, s) =>
        {
            Header(w, "WELCOME");
            w.WriteString("session_id", s.sessionId);
            w.WriteStartObject("server_capabilities");
            w.WriteBoolean("relay", true);
            w.WriteBoolean("persistence", true);
            w.WriteBoolean("history", true);
            w.WriteBoolean("message_queue", true);
            w.WriteBoolean("direct", true);
            w.WriteEndObject();
            w.WriteNumber("heartbeat_interval", s.heartbeatSeconds);
            w.WriteNumber("connected_agents", s.connectedAgents);
        });

    public static byte[] Ack(SendAck ack) => JsonFrame.Write(ack, static (w, a) =>
    {
        Header(w, "ACK");
        w.WriteString("message_id", a.Id);
        w.WriteTimestamp("timestamp", a.ReceivedAt);
        w.WriteNumber("seq", a.Seq);
        w.WriteBoolean("duplicate", a.Duplicate);
    });

    public static byte[] Pong(DateTimeOffset now) => JsonFrame.Write(now, static (w, t) =>
    {
        Header(w, "PONG");
        w.WriteTimestamp("timestamp", t);
    });

    public static byte[] History(IReadOnlyList<Envelope> messages) => JsonFrame.Write(messages, static (w, list) =>
    {
        Header(w, "HISTORY_RESPONSE");
        w.WriteStartArray("messages");
        foreach (var e in list)
        {
            w.WriteStartObject();
            WriteMessageFields(w, e);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    /// <summary>A relayed message; <c>kind</c> names the envelope kind (a mesh type, or <c>message</c>).</summary>
    public static byte[] Message(Envelope envelope) => JsonFrame.Write(envelope, static (w, e) =>
    {
        Header(w, "MESSAGE");
        WriteMessageFields(w, e);
    });

    /// <summary>
    /// Another agent coming or going, told as the seed does: a MESSAGE from <c>relay_server</c>. Its <c>message_id</c>
    /// ends with the change's number, since the changes of one agent may share a millisecond.
    /// </summary>
    public static byte[] Presence(PresenceChange change) => JsonFrame.Write(change, static (w, c) =>
    {
        var p = c.Presence;
        var online = p.Status == PresenceStatus.Online;
        Header(w, "MESSAGE");
        w.WriteString("message_id", $"presence-{p.Agent}-{p.Status}-{p.LastSeen.ToUnixTimeMilliseconds()}-{c.Number}");
        w.WriteString("sender", RelaySender);
        w.WriteString("content", online ? $"{p.Agent} joined" : $"{p.Agent} left");
        w.WriteTimestamp("timestamp", p.LastSeen);
        w.WriteString("kind", "presence");
        w.WriteString("agent", p.Agent);
        w.WriteString("status", p.Status);
        if (p.Metadata is { } metadata)
        {
            w.WritePropertyName("metadata");
            metadata.WriteTo(w);
        }
    });

    public static byte[] Error(RelayError error) => JsonFrame.Write(error, static (w, e) => WriteErrorFields(w, e));

    internal static void WriteErrorFields(Utf8JsonWriter w, RelayError e)
    {
        Header(w, "ERROR");
        w.WriteString("error_code", e.Code);
        w.WriteString("error_message", e.Message);
        w.WriteBoolean("recoverable", e.Recoverable);
        if (e.OldestSeq is { } oldest)
        {
            w.WriteNumber("oldest_seq", oldest);
        }
        if (e.MessageId is { } id)
        {
            w.WriteString("message_id", id);
        }
    }

    private static void WriteMessageFields(Utf8JsonWriter w, Envelope e)
    {
        w.WriteString("message_id", e.Id);
        w.WriteString("sender", e.From);
        if (e.To is not null)
        {
            w.WriteString("recipient", e.To);
        }
        w.WritePropertyName("content");
        e.Content.WriteTo(w);
        if (e.SentAt is not null)
        {
            w.WriteSentAt("timestamp", e.SentAt);
        }
        else
        {
            w.WriteTimestamp("timestamp", e.ReceivedAt);
        }
        w.WriteNumber("seq", e.Seq);
        w.WriteString("kind", e.Kind);
        w.WriteTimestamp("received_at", e.ReceivedAt);
    }

    private static void Header(Utf8JsonWriter w, string messageType)
    {
        w.WriteString("protocol_version", Version);
        w.WriteString("message_type", messageType);
    }
}
