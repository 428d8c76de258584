namespace Reports.LocalServers;

/// <summary>Where the programs the AppHost starts live; the <c>reports</c> script installs them.</summary>
public static class ToolPaths
{
    /// <summary>The repository root: the nearest folder upwards that holds Reports.sln.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string RedisServer => Environment.GetEnvironmentVariable("REPORTS_REDIS_SERVER") ?? "redis-server";

    public static string MariaDbServer => Environment.GetEnvironmentVariable("REPORTS_MARIADBD") ?? "/usr/sbin/mariadbd";

    public static string MariaDbInstallDb => Environment.GetEnvironmentVariable("REPORTS_MARIADB_INSTALL_DB") ?? "mariadb-install-db";

    public static string AzuriteBlob =>
        Environment.GetEnvironmentVariable("REPORTS_AZURITE")
        ?? Path.Combine(RepositoryRoot, ".tools", "azurite", "node_modules", ".bin", "azurite-blob");

    /// <summary>The newest installed PostgreSQL's bin folder (Debian puts each major version in its own).</summary>
    public static string PostgresBin
    {
        get
        {
            if (Environment.GetEnvironmentVariable("REPORTS_PG_BIN") is { Length: > 0 } configured)
            {
                return configured;
            }

            var versions = Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql")
                    .Where(d => File.Exists(Path.Combine(d, "bin", "initdb")))
                    .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                    .ToList()
                : [];
            return versions.Count > 0
                ? Path.Combine(versions[0], "bin")
                : throw new InvalidOperationException("PostgreSQL is not installed: run ./reports up, which installs it, or set REPORTS_PG_BIN.");
        }
    }

    private static string FindRepositoryRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Reports.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return Environment.CurrentDirectory;
    }
}
