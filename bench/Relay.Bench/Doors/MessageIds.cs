using System.Buffers.Text;
using System.Globalization;

namespace SignalRelay.Bench.Doors;

public enum IdStyle
{
    /// <summary>The message's number (<c>17</c>): every agent's new ids land close together in the relay's (id, from) index.</summary>
    Counter,

    /// <summary>A random UUID's 32 hex digits, a dash, then the number: ids land anywhere in that index, as real clients' UUIDs do.</summary>
    Random,

    /// <summary>A time-ordered UUID (version 7), a dash, then the number: each new id lands at the end of that index.</summary>
    Uuid7,
}

/// <summary>The message ids the generator sends, in either style; the number comes back out of an ACK's id.</summary>
public static class MessageIds
{
    public static string Of(IdStyle style, int number) => style switch
    {
        IdStyle.Random => $"{Guid.NewGuid():N}-{number.ToString(CultureInfo.InvariantCulture)}",
        IdStyle.Uuid7 => $"{Guid.CreateVersion7():N}-{number.ToString(CultureInfo.InvariantCulture)}",
        _ => number.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The number an id of either style was made from.</summary>
    public static bool TryReadNumber(ReadOnlySpan<byte> id, out int number)
    {
        var digits = id[(id.LastIndexOf((byte)'-') + 1)..];
        return Utf8Parser.TryParse(digits, out number, out var consumed) && consumed == digits.Length;
    }
}
