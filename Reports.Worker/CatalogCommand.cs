using Npgsql;
using Reports.Core;
using Reports.Core.Catalog.Files;

namespace Reports.Worker;

/// <summary>
/// <c>Reports.Worker catalog check [PATH]</c>: validates a folder of definition files as the services do at start, and,
/// when a database is given, describes each query there to compare its columns with the file's: the demo dataset's
/// <c>ConnectionStrings:sales</c>, or else the job store's <c>ConnectionStrings:reportsdb</c> (where a single-database
/// install keeps the dataset), as the services read the <c>sales</c> source. Exit codes: 0 clean, 1 errors (one per line,
/// <c>file:line: field: message</c>), 2 usage.
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
        var folder = args.Length == 2 ? Path.GetFullPath(args[1]) : CatalogFolder.Of(configuration);
        var (entries, errors) = CatalogFiles.Read(folder);
        var all = errors.ToList();
        var checkedOn = "";
        var described = configuration.GetConnectionString(ResourceNames.Sales) is { Length: > 0 } ? ResourceNames.Sales : ResourceNames.Database;
        if (configuration.GetConnectionString(described) is { Length: > 0 } connectionString)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            try
            {
                all.AddRange(await CatalogDatabaseCheck.CheckAsync(dataSource, entries, timeout.Token));
                checkedOn = ", queries described on the database";
            }
            catch (Exception e) when (e is NpgsqlException or OperationCanceledException)
            {
                all.Add(new CatalogError(folder, 0, $"ConnectionStrings:{described}", $"the database could not be reached: {e.Message}"));
            }
        }

        foreach (var problem in all)
        {
            await error.WriteLineAsync(problem.ToString());
        }

        await output.WriteLineAsync($"{folder}: {entries.Count} report(s), {all.Count} error(s){checkedOn}.");
        return all.Count == 0 ? 0 : 1;
    }
}
