namespace Reports.Core.Generation;

/// <summary>Scratch files of one job in the system's temporary folder, deleted when closed (or when the process dies).</summary>
internal static class TemporaryFiles
{
    public static FileStream Create(string prefix) => new(
        Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}.pdf"),
        FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
}
