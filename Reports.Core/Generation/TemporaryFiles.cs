namespace Reports.Core.Generation;

/// <summary>A PDF or XLSX job's scratch files in the system's temporary folder, deleted when closed.</summary>
internal static class TemporaryFiles
{
    public static FileStream Create(string prefix, string extension = "pdf") => new(
        Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}.{extension}"),
        FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
}
