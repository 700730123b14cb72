using System.Text.RegularExpressions;

namespace SignalRelay.Tests.Infrastructure;

/// <summary>The relay's console log as an operator reads it: one entry a line (the simple formatter's single-line form).</summary>
public static partial class ConsoleLog
{
    /// <summary>The lines logged at Warning, Error or Critical: what an operator's alerts and eyes go to.</summary>
    public static List<string> WarningsAndErrors(string output) =>
        [.. output.Split('\n').Where(line => WarningOrAbove().IsMatch(line))];

    [GeneratedRegex(@"^\S+ (warn|fail|crit): ")]
    private static partial Regex WarningOrAbove();
}
