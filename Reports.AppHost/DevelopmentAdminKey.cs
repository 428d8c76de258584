using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Reports.LocalServers;

namespace Reports.AppHost;

/// <summary>
/// In Development, when no <c>Reports:Auth:BootstrapAdminKey</c> is given, the AppHost makes one, keeps it in
/// <c>.data/admin-key</c> (readable by the owner only) so it survives restarts; the AppHost gives it to the api.
/// </summary>
internal static class DevelopmentAdminKey
{
    public const string EnvironmentVariable = "Reports__Auth__BootstrapAdminKey";
    public const string FileName = "admin-key";

    /// <summary>In Development, the key in use (printed with where it came from); else none.</summary>
    public static string? For(IHostEnvironment environment, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!environment.IsDevelopment())
        {
            return null;
        }

        var (key, source) = Ensure(dataDirectory);
        Console.WriteLine($"Admin API key: {key} (from {source})");
        return key;
    }

    private static (string Key, string Source) Ensure(string dataDirectory)
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } given)
        {
            return (given, "the environment");
        }

        // A new key when the kept one is cut (a full disk): the api revokes the old bootstrap key itself.
        var path = Path.Combine(dataDirectory, FileName);
        return (PrivateFile.ReadOrCreate(path, kept => kept.Length is >= 24 and <= 256, () =>
            $"rpt_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}_{Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_')}"), path);
    }
}
