using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;

namespace SignalRelay.Server.Core;

/// <summary>
/// Whether JSON text is also well-formed Unicode. A <c>\u</c> escape may name one half of a surrogate pair on
/// its own: valid JSON, but no text, and System.Text.Json refuses to write it back out. A message or metadata
/// holding one would be stored and then fail every connection it was sent to, on every replay.
/// </summary>
public static class JsonText
{
    /// <summary>
    /// How deep content and metadata may nest objects and arrays. The hub's JSON protocol reads a whole message at most
    /// 64 deep, and a delivery puts content three levels down (the message, its arguments, the envelope): anything
    /// deeper would be stored, then fail to reach every .NET agent on every replay.
    /// </summary>
    public const int MaxNesting = 61;

    public static readonly string TooDeepMessage = $"It nests objects and arrays more than {MaxNesting} deep; it was refused.";

    /// <summary>True when <paramref name="value"/> nests objects and arrays more than <paramref name="levels"/> deep.</summary>
    public static bool NestsDeeperThan(JsonElement value, int levels)
    {
        if (value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
        {
            return false;
        }
        if (levels == 0)
        {
            return true;
        }
        if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                if (NestsDeeperThan(item, levels - 1))
                {
                    return true;
                }
            }
            return false;
        }
        foreach (var property in value.EnumerateObject())
        {
            if (NestsDeeperThan(property.Value, levels - 1))
            {
                return true;
            }
        }
        return false;
    }

    public const string NotUtf8Message = "It holds bytes that are not UTF-8, so it is not text; it was refused.";

    /// <summary>
    /// False when <paramref name="value"/>'s JSON holds bytes that are not UTF-8. The raw doors' WebSocket checks text
    /// frames, but SignalR also reads its JSON protocol from binary frames and HTTP bodies, and System.Text.Json does not
    /// check a string's bytes as it reads them: stored, they would reach every receiver as U+FFFD.
    /// </summary>
    public static bool IsUtf8(JsonElement value) =>
        value.ValueKind == JsonValueKind.Undefined || Utf8.IsValid(JsonMarshal.GetRawUtf8Value(value));

    public const string LoneSurrogateMessage =
        "A string holds half of a UTF-16 surrogate pair on its own (a lone \\uD800-\\uDFFF escape), which is not text; it was refused.";

    /// <summary>True when a string or property name in <paramref name="utf8"/> escapes an unpaired surrogate.</summary>
    public static bool HasLoneSurrogate(ReadOnlySpan<byte> utf8)
    {
        // Only an escape can make one (the bytes themselves are checked UTF-8: by the WebSocket, or IsUtf8), and most frames have no \u at all.
        if (utf8.IndexOf("\\u"u8) < 0)
        {
            return false;
        }
        var reader = new Utf8JsonReader(utf8);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    // Unescaping is what refuses an unpaired surrogate.
                    reader.GetString();
                }
            }
        }
        catch (InvalidOperationException)
        {
            return true;
        }
        return false;
    }

    public static bool HasLoneSurrogate(JsonElement value) =>
        value.ValueKind != JsonValueKind.Undefined && HasLoneSurrogate(JsonMarshal.GetRawUtf8Value(value));

    /// <summary>True when <paramref name="text"/> has a surrogate without its other half (a .NET string may).</summary>
    public static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }
        return false;
    }
}
