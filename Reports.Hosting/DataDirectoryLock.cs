namespace Reports.Hosting;

/// <summary>
/// One AppHost per data folder: two would run two Redis servers on one append-only file, two Azurites on one database,
/// and overwrite each other's resources.json. An exclusive lock on <c>apphost.lock</c> (flock, released by the kernel
/// when the process dies, so a killed AppHost leaves no stale lock) is held for the AppHost's whole life.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "apphost.lock";
    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file) => _file = file;

    /// <summary>The lock, or the error to print when another AppHost holds it.</summary>
    public static (DataDirectoryLock? Lock, string? Error) Acquire(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        try
        {
            // FileShare.None is an exclusive flock on Linux and macOS.
            return (new DataDirectoryLock(new FileStream(Path.Combine(dataDirectory, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)), null);
        }
        catch (IOException)
        {
            return (null, $"another AppHost is running on the data folder {dataDirectory} (see its resources.json): stop it, or give this one --data-dir DIR.");
        }
    }

    public void Dispose() => _file.Dispose();
}
