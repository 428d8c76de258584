using System.Data.Common;
using MySqlConnector;
using Npgsql;
using Reports.Core;
using Reports.Core.Catalog;
using Reports.Core.Catalog.Files;
using Reports.Core.Sources;
using Reports.Core.Sources.Dialects;

namespace Reports.Worker;

/// <summary>
/// <c>Reports.Worker catalog check [PATH]</c>: validates a folder (or folders, <c>;</c> between them) of definition files
/// as the services do at start, and describes each query on its source when the source's connection string is set
/// (<c>ConnectionStrings:&lt;source&gt;</c>, its kind from <c>Reports:Sources:&lt;source&gt;:Kind</c>; the demo <c>sales</c>
/// source falls back to <c>ConnectionStrings:reportsdb</c>, as the services do), to compare its columns with the file's.
/// Exit codes: 0 clean, 1 errors (one per line, <c>file:line: field: message</c>), 2 usage.
/// </summary>
internal static class CatalogCommand
{
    public const string Usage = "usage: Reports.Worker catalog check [PATH]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args is not ["check"] and not ["check", _])
        {
            await error.WriteLineAsync(Usage);
            return 2;
        }

        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var folder = args.Length == 2 ? CatalogFolder.FullPaths(args[1]) : CatalogFolder.Of(configuration);
        var (entries, errors) = CatalogFiles.Read(folder);
        var all = errors.ToList();
        var described = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        foreach (var source in entries.GroupBy(e => e.Definition.Source).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            if (ConnectionString(configuration, source.Key) is not { } connectionString)
            {
                continue;
            }

            var options = new SourceOptions();
            try
            {
                configuration.GetSection($"{SourceOptions.Section}:{source.Key}").Bind(options);
                await using var dataSource = Open(options, connectionString);
                all.AddRange(await CatalogDatabaseCheck.CheckAsync(dataSource, SqlDialect.For(options.Kind), source, timeout.Token));
                described += source.Count();
            }
            catch (Exception e) when (e is DbException or OperationCanceledException or ArgumentException or InvalidOperationException)
            {
                all.Add(new CatalogError(folder, 0, $"ConnectionStrings:{source.Key}", $"the source could not be reached: {e.Message}"));
            }
        }

        foreach (var problem in all)
        {
            await error.WriteLineAsync(problem.ToString());
        }

        var checkedOn = described == 0 ? "" : $", {described} of them described on their sources";
        await output.WriteLineAsync($"{folder}: {entries.Count} report(s), {all.Count} error(s){checkedOn}.");
        return all.Count == 0 ? 0 : 1;
    }

    private static string? ConnectionString(IConfiguration configuration, string source) =>
        configuration.GetConnectionString(source) is { Length: > 0 } named ? named
        : source == ReportDefinition.DefaultSource && configuration.GetConnectionString(ResourceNames.Database) is { Length: > 0 } jobStore ? jobStore
        : null;

    /// <summary>A pool whose sessions are restricted as the services' are: read-only, under the statement timeout.</summary>
    private static DbDataSource Open(SourceOptions options, string connectionString)
    {
        if (options.Kind == SourceKind.MySql)
        {
            var settings = new MySqlConnectionStringBuilder(connectionString)
            {
                IgnoreCommandTransaction = true, DateTimeKind = MySqlDateTimeKind.Utc, IgnorePrepare = false,
            };
            return new MySqlDataSourceBuilder(settings.ConnectionString)
                .UseConnectionOpenedCallback((context, cancellationToken) => ReportSourceClients.RestrictSessionAsync(context.Connection, options, cancellationToken))
                .Build();
        }

        var postgres = new NpgsqlDataSourceBuilder(connectionString);
        ReportSourceClients.ConfigurePostgres(postgres, options);
        return postgres.Build();
    }
}
