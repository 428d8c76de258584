namespace Reports.LocalServers;

/// <summary>Files that hold secrets (passwords, keys, connection strings): readable by their owner only, from creation.</summary>
public static class PrivateFile
{
    public static FileStream Create(string path) => new(path, new FileStreamOptions
    {
        Mode = FileMode.Create,
        Access = FileAccess.Write,
        UnixCreateMode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite,
    });

    public static void WriteAllText(string path, string text)
    {
        using var writer = new StreamWriter(Create(path));
        writer.Write(text);
    }
}
