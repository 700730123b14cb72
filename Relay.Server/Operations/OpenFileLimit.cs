using System.Runtime.InteropServices;

namespace SignalRelay.Server.Operations;

/// <summary>The process's limit on open files (Linux's <c>RLIMIT_NOFILE</c>): every socket takes one, and so does every file the store opens.</summary>
public static partial class OpenFileLimit
{
    private const int RlimitNofile = 7;

    [StructLayout(LayoutKind.Sequential)]
    public struct Limits
    {
        /// <summary>The soft limit, the one in force.</summary>
        public ulong Current;

        /// <summary>The hard limit, as far as an unprivileged process may raise the soft one.</summary>
        public ulong Max;
    }

    /// <summary>The limits in force, or null where they cannot be read (other systems number the limit differently).</summary>
    public static Limits? Read() => OperatingSystem.IsLinux() && GetRLimit(RlimitNofile, out var limits) == 0 ? limits : null;

    /// <summary>Sets the limits; false if the system refused.</summary>
    public static bool TrySet(Limits limits) => OperatingSystem.IsLinux() && SetRLimit(RlimitNofile, in limits) == 0;

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out Limits limits);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, in Limits limits);
}
