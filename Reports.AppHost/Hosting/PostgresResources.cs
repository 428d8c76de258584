using System.Security.Cryptography;
using Reports.AppHost.Processes;

namespace Reports.AppHost.Hosting;

/// <summary>A PostgreSQL server: a cluster in <see cref="DataDirectory"/>, initialised once and kept across runs.</summary>
internal sealed class PostgresServerResource(string name, int port, string dataDirectory) : Resource(name)
{
    public const string Superuser = "postgres";
    private readonly List<PostgresDatabaseResource> _databases = [];
    private readonly Lazy<string> _password = new(() => ReadOrCreatePassword(dataDirectory));

    public override string Type => "Postgres";

    public int Port { get; } = port;

    public string DataDirectory { get; } = dataDirectory;

    public IReadOnlyList<PostgresDatabaseResource> Databases => _databases;

    /// <summary>Not started when every database it holds was given a connection string.</summary>
    public bool IsNeeded => _databases.Count == 0 || _databases.Any(d => !d.IsGiven);

    /// <summary>The superuser's password, made once and kept in the cluster's folder (the same file <see cref="PostgresServer"/> uses).</summary>
    public string Password => _password.Value;

    public void AddDatabase(PostgresDatabaseResource database) => _databases.Add(database);

    private static string ReadOrCreatePassword(string directory)
    {
        var file = Path.Combine(directory, "pw");
        if (!File.Exists(file))
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(file, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + "\n");
        }

        return File.ReadAllText(file).Trim();
    }
}

/// <summary>A database in a <see cref="PostgresServerResource"/>; created if missing once the server is up.</summary>
internal sealed class PostgresDatabaseResource(string name, string databaseName, PostgresServerResource parent, string? givenConnectionString)
    : Resource(name), IResourceWithConnectionString, IResourceWithParent
{
    public override string Type => "Database";

    public string DatabaseName { get; } = databaseName;

    public PostgresServerResource Server { get; } = parent;

    public Resource Parent => Server;

    public string? GivenConnectionString { get; } = givenConnectionString;

    public bool IsGiven => GivenConnectionString is not null;

    public string GetConnectionString() => GivenConnectionString
        ?? $"Host=127.0.0.1;Port={Server.Port};Username={PostgresServerResource.Superuser};Password={Server.Password};Database={DatabaseName}";
}

internal static class PostgresBuilderExtensions
{
    public static IResourceBuilder<PostgresServerResource> AddPostgres(this DistributedApplicationBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddResource(new PostgresServerResource(name, FreePort.Next(), Path.Combine(builder.Options.DataDirectory, name)));
    }

    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(
        this IResourceBuilder<PostgresServerResource> server, string name, string? databaseName = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        var builder = server.ApplicationBuilder;
        var database = new PostgresDatabaseResource(name, databaseName ?? name, server.Resource, builder.Options.GivenConnectionString(name));
        server.Resource.AddDatabase(database);
        return builder.AddResource(database);
    }
}
