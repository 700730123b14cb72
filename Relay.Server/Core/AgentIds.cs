namespace SignalRelay.Server.Core;

public static class AgentIds
{
    /// <summary>An agent id is 1..maxLength characters of text with no control characters or surrounding spaces.</summary>
    public static bool IsValid(string? id, int maxLength) =>
        !string.IsNullOrWhiteSpace(id)
        && id.Length <= maxLength
        && id.Trim().Length == id.Length
        && !id.Any(char.IsControl)
        && !JsonText.HasLoneSurrogate(id);
}
