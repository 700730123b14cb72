using System.Runtime.InteropServices;

namespace SignalRelay.Bench.Targets;

/// <summary>Raises this process's open-file limit (children inherit it), for runs with thousands of sockets.</summary>
public static partial class FileLimit
{
    private const int RlimitNofile = 7;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Max;
    }

    /// <summary>Raises the soft limit (and the hard one, where allowed) to at least <paramref name="wanted"/>; returns the limit now in force.</summary>
    public static ulong Raise(ulong wanted)
    {
        if (GetRLimit(RlimitNofile, out var limit) != 0)
        {
            return 0;
        }
        if (limit.Current >= wanted)
        {
            return limit.Current;
        }
        var raised = new RLimit { Current = wanted, Max = Math.Max(limit.Max, wanted) };
        if (SetRLimit(RlimitNofile, in raised) != 0)
        {
            // Unprivileged: the hard limit cannot grow, but the soft one may rise to it.
            raised = new RLimit { Current = Math.Min(wanted, limit.Max), Max = limit.Max };
            SetRLimit(RlimitNofile, in raised);
        }
        return GetRLimit(RlimitNofile, out limit) == 0 ? limit.Current : 0;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, in RLimit limit);
}
