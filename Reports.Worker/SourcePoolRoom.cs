using System.Data.Common;
using Microsoft.Extensions.Options;
using Npgsql;
using Reports.Core.Generation;
using Reports.Core.Sources;

namespace Reports.Worker;

/// <summary>
/// Checked at start: every PostgreSQL source's pool in this worker holds a connection for each partition of each report
/// the worker can run at once (job slots × <see cref="GenerationOptions.ReadersPerReport"/>), and one more. A pool too
/// small would make a partition wait for a connection until Npgsql gives up, failing the attempt (and the next).
/// </summary>
/// <param name="services">Where the sources are, when the host has them (a host that only reads the worker's settings has none).</param>
internal sealed class SourcePoolRoom(IServiceProvider services, IOptions<GenerationOptions> generation) : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (services.GetService(typeof(ReportSources)) is not ReportSources sources)
        {
            return ValidateOptionsResult.Skip;
        }

        var slots = options.Queues.Values.Where(concurrency => concurrency > 0).Sum();
        var readers = generation.Value.ReadersPerReport;
        var needed = (slots * readers) + 1;
        var problems = sources.Names.Select(sources.Get)
            .Where(source => source.Kind == SourceKind.PostgreSql && PoolSize(source.DataSource) < needed)
            .Select(source =>
                $"Source '{source.Name}' keeps at most {PoolSize(source.DataSource)} connections in this worker, but {slots} job slots × " +
                $"{GenerationOptions.SectionName}:ReadersPerReport ({readers}) + 1 need {needed}: raise {SourceOptions.Section}:{source.Name}:MaxPoolSize " +
                "(or the Maximum Pool Size in its connection string), or lower ReadersPerReport or the queues' concurrency.")
            .ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static int PoolSize(DbDataSource dataSource) => new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MaxPoolSize;
}
