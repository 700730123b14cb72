using System.Text.Json;

namespace SignalRelay.Tests.Infrastructure;

public static class Json
{
    public static JsonElement Of(string text) => JsonDocument.Parse(JsonSerializer.Serialize(text)).RootElement.Clone();

    public static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();

    /// <summary>
    /// <paramref name="value"/> written out anew: strings and names with one escaping, no whitespace, and every number
    /// digit for digit as it came. Two values with the same canonical text are the same JSON, with no precision lost.
    /// </summary>
    public static string Canonical(JsonElement value) => JsonSerializer.Serialize(value);
}
