using System.Text.Json;

namespace SignalRelay.Tests.Infrastructure;

public static class Json
{
    public static JsonElement Of(string text) => JsonDocument.Parse(JsonSerializer.Serialize(text)).RootElement.Clone();

    public static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
