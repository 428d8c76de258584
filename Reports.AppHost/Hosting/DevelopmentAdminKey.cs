using System.Security.Cryptography;

namespace Reports.AppHost.Hosting;

/// <summary>
/// In Development, when no <c>Reports:Auth:BootstrapAdminKey</c> is given, the AppHost makes one, keeps it in
/// <c>.data/admin-key</c> (readable by the owner only) so it survives restarts, and hands it to the services
/// through the environment they inherit.
/// </summary>
internal static class DevelopmentAdminKey
{
    public const string EnvironmentVariable = "Reports__Auth__BootstrapAdminKey";
    public const string FileName = "admin-key";

    /// <summary>Returns the key in use and where it came from; sets it for the children when it was generated or read.</summary>
    public static (string Key, string Source) Ensure(string dataDirectory)
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } given)
        {
            return (given, "the environment");
        }

        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        string key;
        if (File.Exists(path))
        {
            key = File.ReadAllText(path).Trim();
        }
        else
        {
            var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
            var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            key = $"rpt_{prefix}_{secret}";
            File.WriteAllText(path, key + "\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Environment.SetEnvironmentVariable(EnvironmentVariable, key);
        return (key, path);
    }
}
