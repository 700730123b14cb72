using SignalRelay.Server.Operations;

namespace SignalRelay.Bench.Targets;

/// <summary>Raises this process's open-file limit (children inherit it), for runs with thousands of sockets.</summary>
public static class FileLimit
{
    /// <summary>Raises the soft limit (and the hard one, where allowed) to at least <paramref name="wanted"/>; returns the limit now in force.</summary>
    public static ulong Raise(ulong wanted)
    {
        if (OpenFileLimit.Read() is not { } limits)
        {
            return 0;
        }
        if (limits.Current >= wanted)
        {
            return limits.Current;
        }
        if (!OpenFileLimit.TrySet(new OpenFileLimit.Limits { Current = wanted, Max = Math.Max(limits.Max, wanted) }))
        {
            // Unprivileged: the hard limit cannot grow, but the soft one may rise to it.
            OpenFileLimit.TrySet(new OpenFileLimit.Limits { Current = Math.Min(wanted, limits.Max), Max = limits.Max });
        }
        return OpenFileLimit.Read()?.Current ?? 0;
    }
}
