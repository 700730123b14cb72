using System.Text.Json;
using SignalRelay.Contracts;

namespace SignalRelay.Server.RawSocket.Dialects;

/// <summary>The server frames of the mesh dialect.</summary>
public static class MeshFrames
{
    /// <summary>The <c>from</c> of errors raised by the relay itself.</summary>
    public const string RelaySender = "relay";


    /// <summary>A relayed frame as its sender sent it, with <c>from</c> stamped and <c>seq</c> added.</summary>
    public static byte[] Envelope(Envelope envelope) => JsonFrame.Write(envelope, static (w, e) =>
    {
        w.WriteString("type", MeshTypeOf(e));
        w.WriteString("from", e.From);
        if (e.To is not null)
        {
            w.WriteString("to", e.To);
        }
        w.WriteString("id", e.Id);
        w.WritePropertyName("data");
        e.Content.WriteTo(w);
        if (e.SentAt is not null)
        {
            w.WriteSentAt("timestamp", e.SentAt);
        }
        w.WriteNumber("seq", e.Seq);
    });

    /// <summary>
    /// <c>{"type":"presence","from":ID,"data":{...}}</c>: online with the agent's metadata fields and
    /// <c>status</c> (metadata that is not an object, as another door may announce, as <c>metadata</c>); offline with
    /// only <c>status</c>.
    /// </summary>
    public static byte[] Presence(PresenceEvent presence) => JsonFrame.Write(presence, static (w, p) =>
    {
        w.WriteString("type", "presence");
        w.WriteString("from", p.Agent);
        w.WriteStartObject("data");
        if (p.Status == PresenceStatus.Online && p.Metadata is { ValueKind: JsonValueKind.Object } metadata)
        {
            foreach (var field in metadata.EnumerateObject())
            {
                if (field.Name != "status")
                {
                    field.WriteTo(w);
                }
            }
        }
        else if (p.Status == PresenceStatus.Online && p.Metadata is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } other)
        {
            w.WritePropertyName("metadata");
            other.WriteTo(w);
        }
        w.WriteString("status", p.Status);
        w.WriteEndObject();
    });

    public static byte[] Error(RelayError error) => JsonFrame.Write(error, static (w, e) => WriteErrorFields(w, e));

    internal static void WriteErrorFields(Utf8JsonWriter w, RelayError e)
    {
        w.WriteString("type", "error");
        w.WriteString("from", RelaySender);
        w.WriteStartObject("data");
        w.WriteString("code", e.Code);
        w.WriteString("message", e.Message);
        w.WriteBoolean("recoverable", e.Recoverable);
        if (e.OldestSeq is { } oldest)
        {
            w.WriteNumber("oldest_seq", oldest);
        }
        if (e.MessageId is { } id)
        {
            w.WriteString("id", id);
        }
        w.WriteEndObject();
    }

    /// <summary>A v0.3 MESSAGE is a mesh <c>broadcast</c>, or a <c>direct</c> when it names a recipient.</summary>
    private static string MeshTypeOf(Envelope e) =>
        e.Kind == EnvelopeKinds.Message
            ? e.To is null ? EnvelopeKinds.Broadcast : EnvelopeKinds.Direct
            : e.Kind;
}
