using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Storage;

/// <summary>
/// One relay per database. The bus's order, who is online and where each agent's cursor stands live in the process
/// that writes the file, so a second relay on it would split the bus without either noticing. A lock file beside the
/// database (not the database itself: closing any handle on that would drop SQLite's own locks) is held while the
/// store is open; the system lets it go if the process dies.
/// </summary>
public sealed class DatabaseLock(StoragePaths paths)
{
    private FileStream? _held;

    private string LockPath => paths.DatabasePath + ".lock";

    public void Take()
    {
        try
        {
            _held = new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (HeldByAnotherProcess(ex))
        {
            throw new InvalidOperationException($"{LockPath} is locked: another relay is using {paths.DatabasePath}. Run one relay per database. ({ex.Message})", ex);
        }
        catch (IOException ex)
        {
            // A read-only volume, a full disk, a name too long: the operator should look there, not for a second relay.
            throw new InvalidOperationException($"{LockPath} could not be created or opened: {ex.Message}", ex);
        }
    }

    // .NET reports a lock held elsewhere as an IOException carrying the system's own code for it.
    private static bool HeldByAnotherProcess(IOException ex) => ex.HResult == (
        OperatingSystem.IsWindows() ? unchecked((int)0x80070020) // ERROR_SHARING_VIOLATION
        : OperatingSystem.IsLinux() ? 11 // EWOULDBLOCK
        : 35); // EWOULDBLOCK on macOS and the BSDs

    public void Release()
    {
        _held?.Dispose();
        _held = null;
    }
}
