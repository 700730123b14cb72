using System.Globalization;
using System.Text;

namespace SignalRelay.Server.Core;

public static class AgentIds
{
    /// <summary>
    /// An agent id is 1..maxLength characters of text with no surrounding spaces and nothing that shows as something
    /// else: no control, format (such as a right-to-left override) or line-separating characters, with which an id
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
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                return false;
            }
        }
        return true;
    }
}
