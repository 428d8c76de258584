namespace Reports.Core.Generation;

/// <summary>
/// A PDF or XLSX job's scratch files, and the copies of CSV partitions kept for the file's hash, in the system's temporary folder. Unlinked as soon as they are open (Linux keeps
/// the data for the open handle), so a worker killed mid-file leaves nothing behind; where an open file cannot be
/// deleted, it goes when closed.
/// </summary>
internal static class TemporaryFiles
{
    /// <param name="bufferSize">The stream's own buffer (0: none, every write goes to the file).</param>
    public static FileStream Create(string prefix, string extension = "pdf", int bufferSize = 1 << 16)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}.{extension}");
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not on this system: DeleteOnClose removes it.
        }

        return stream;
    }
}
