using System.Text.Json;
using SignalRelay.Contracts;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.RawSocket.Dialects;

/// <summary>Tells the dialect from a connection's first frame: <c>message_type</c> is v0.3, <c>type</c> is mesh.</summary>
public sealed class DialectDetector(V03Dialect v03, MeshDialect mesh)
{
    public IRawDialect Detect(JsonElement frame) =>
        frame.TryGetProperty(v03.TypeField, out _) ? v03
        : frame.TryGetProperty(mesh.TypeField, out _) ? mesh
        : throw new RelayException(ErrorCodes.MissingField,
            $"The first frame needs '{v03.TypeField}' (v0.3 dialect) or '{mesh.TypeField}' (mesh dialect).");

    /// <summary>
    /// An error for a connection whose dialect is not known yet: readable by both, as a v0.3 ERROR and a
    /// mesh error at once.
    /// </summary>
    public static byte[] EncodeError(RelayError error) => JsonFrame.Write(error, static (w, e) =>
    {
        V03Frames.WriteErrorFields(w, e);
        MeshFrames.WriteErrorFields(w, e);
    });
}
