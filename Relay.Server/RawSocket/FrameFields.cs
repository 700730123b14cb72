using System.Globalization;
using System.Text.Json;
using SignalRelay.Contracts;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.RawSocket;

/// <summary>Reading fields of a client frame; a missing or mistyped field is a <see cref="RelayException"/> naming it.</summary>
public static class FrameFields
{
    public static string RequiredString(JsonElement frame, string name) =>
        OptionalString(frame, name) is { Length: > 0 } value
            ? value
            : throw new RelayException(ErrorCodes.MissingField, $"The frame needs a non-empty '{name}' string.");

    public static string? OptionalString(JsonElement frame, string name)
    {
        if (!frame.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new RelayException(ErrorCodes.InvalidMessage, $"'{name}' must be a string.");
    }

    /// <summary>A message id: a string, or an integer taken as its decimal text.</summary>
    public static string? OptionalId(JsonElement frame, string name)
    {
        if (!frame.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return IdText(value) ?? throw new RelayException(ErrorCodes.InvalidMessage, value.ValueKind == JsonValueKind.Number
            ? $"'{name}' as a number must be a whole number within 64 bits (signed); send a larger or fractional one as a string."
            : $"'{name}' must be a string or an integer.");
    }

    /// <summary>
    /// The frame's id as <see cref="OptionalId"/> reads it, for naming the frame in an error: null when it has none,
    /// one of the wrong type, or one longer than <paramref name="maxLength"/> (not worth echoing).
    /// </summary>
    public static string? IdOrNull(JsonElement frame, string name, int maxLength) =>
        frame.TryGetProperty(name, out var value) && IdText(value) is { Length: > 0 } id && id.Length <= maxLength ? id : null;

    private static string? IdText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number when value.TryGetInt64(out var n) => n.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>
    /// The sender's timestamp as it gave it: a string, or a number kept digit for digit, which may be at most
    /// <see cref="JsonFrame.LongestNumericTimestamp"/> characters so that it goes back out as the same number.
    /// </summary>
    public static string? OptionalTimestamp(JsonElement frame, string name)
    {
        if (!frame.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Number)
        {
            return OptionalString(frame, name);
        }
        var number = value.GetRawText();
        return number.Length <= JsonFrame.LongestNumericTimestamp
            ? number
            : throw new RelayException(ErrorCodes.InvalidMessage,
                $"'{name}' as a number may have at most {JsonFrame.LongestNumericTimestamp} characters; send a longer one as a string.");
    }

    public static long? OptionalNonNegative(JsonElement frame, string name)
    {
        if (!frame.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) && n >= 0
            ? n
            : throw new RelayException(ErrorCodes.InvalidMessage, $"'{name}' must be a non-negative integer.");
    }

    public static DateTimeOffset? OptionalTime(JsonElement frame, string name) =>
        OptionalString(frame, name) is not { } text
            ? null
            : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
                ? time
                : throw new RelayException(ErrorCodes.InvalidMessage, $"'{name}' must be an ISO 8601 timestamp.");

    /// <summary>Any JSON value, copied out of the frame so it outlives the parsed document.</summary>
    public static JsonElement? OptionalValue(JsonElement frame, string name) =>
        frame.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.Clone() : null;

    /// <summary>Any JSON value, null included, copied out of the frame; only a missing field is refused.</summary>
    public static JsonElement RequiredValue(JsonElement frame, string name) =>
        frame.TryGetProperty(name, out var value)
            ? value.Clone()
            : throw new RelayException(ErrorCodes.MissingField, $"The frame needs a '{name}' field.");
}
