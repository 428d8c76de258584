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

    /// <summary>
    /// Written whole or not at all: into a file beside it, flushed to disk, then renamed over it, so a full disk or a
    /// crash never leaves an empty or cut secret that every later start would read back.
    /// </summary>
    public static void WriteAllText(string path, string text)
    {
        // A leftover temporary file would keep its mode (the mode applies only to a file created): start from none.
        var temporary = path + ".tmp";
        File.Delete(temporary);
        using (var stream = Create(temporary))
        {
            stream.Write(System.Text.Encoding.UTF8.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The file's text, trimmed; a file others could read (made by an older version) is made private first.</summary>
    public static string ReadAllText(string path)
    {
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & ~(UnixFileMode.UserRead | UnixFileMode.UserWrite)) != 0)
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return File.ReadAllText(path).Trim();
    }

    /// <summary>
    /// The secret kept in <paramref name="path"/>, made once: a new one from <paramref name="create"/> when there is none
    /// or the kept one is not <paramref name="valid"/> (empty, or cut short by a full disk).
    /// </summary>
    public static string ReadOrCreate(string path, Func<string, bool> valid, Func<string> create)
    {
        ArgumentNullException.ThrowIfNull(valid);
        ArgumentNullException.ThrowIfNull(create);
        if (File.Exists(path) && ReadAllText(path) is var kept && valid(kept))
        {
            return kept;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var made = create();
        WriteAllText(path, made + "\n");
        return made;
    }
}
