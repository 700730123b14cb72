using System.Diagnostics;

namespace SignalRelay.Bench.Measure;

/// <summary>
/// The generator's sockets complete on the runtime's socket-engine threads instead of handing every completion
/// to the thread pool. On two shared cores those hand-offs made the generator, not the server, the limit of a
/// run. The runtime reads the setting from the environment once, when the process first uses a socket, so it
/// is set before then; the servers the bench starts get it removed and run with the runtime's defaults.
/// </summary>
public static class GeneratorSockets
{
    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
    private static bool s_setHere;

    /// <summary>Call first thing, before any socket exists. A value already in the environment is left as it is.</summary>
    public static void CompleteInline()
    {
        if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletions, "1");
            s_setHere = true;
        }
    }

    /// <summary>Keeps the generator's own setting out of a server's environment.</summary>
    public static void LeaveOut(ProcessStartInfo server)
    {
        if (s_setHere)
        {
            server.Environment.Remove(InlineCompletions);
        }
    }
}
