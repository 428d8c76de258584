namespace Reports.Core.Generation;

/// <summary>A PDF job's scratch files in the system's temporary folder, deleted when closed.</summary>
internal static class TemporaryFiles
{
    public static FileStream Create(string prefix) => new(
        Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}.pdf"),
        FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
}
