using System.Globalization;
using System.Text;
using SignalRelay.Server.RawSocket.Dialects;

namespace SignalRelay.Server.Core;

public static class AgentIds
{
    /// <summary>
    /// An agent id is 1..maxLength characters of text with no surrounding spaces and nothing that shows as something
    /// else: no control, format (such as a right-to-left override), invisible or line-separating characters, with which an id
    /// could forge or disguise a line of the log or of an operator's console.
    /// </summary>
    public static bool IsValid(string? id, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > maxLength || id.Trim().Length != id.Length || JsonText.HasLoneSurrogate(id))
        {
            return false;
        }
        foreach (var rune in id.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator || IsInvisibleMark(rune))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The names the relay signs its own frames with in the raw dialects: no agent may take them, so none can be sent to.
    /// </summary>
    public static bool IsRelayName(string agent) => agent is V03Frames.RelaySender or MeshFrames.RelaySender;

    // Unicode's default-ignorable code points outside the Format category: browsers draw nothing for them, so
    // "alice" followed by one shows exactly as "alice".
    private static bool IsInvisibleMark(Rune rune) => rune.Value is 0x034F or 0x115F or 0x1160 or 0x17B4 or 0x17B5
        or (>= 0x180B and <= 0x180F) or 0x3164 or (>= 0xFE00 and <= 0xFE0F) or 0xFFA0 or (>= 0xE0000 and <= 0xE0FFF);
}
