using System.Data.Common;
using Microsoft.Extensions.Options;
using Npgsql;
using Reports.Core.Generation;
using Reports.Core.Sources;

namespace Reports.Worker;

/// <summary>
/// Checked at start: every PostgreSQL source's pool in this worker holds a connection for each lane of each job slot,
/// since a lane keeps one while it reads (a report read whole, or a partition of one, of which a slot may read
/// <see cref="GenerationOptions.LanesPerJob"/> at once), and one more for the source's health check. A pool too small
/// would make a lane wait for a connection until Npgsql gives up, failing the attempt (and the next).
/// </summary>
/// <param name="services">Where the sources are, when the host has them (a host that only reads the worker's settings has none).</param>
internal sealed class SourcePoolRoom(IServiceProvider services) : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (services.GetService(typeof(ReportSources)) is not ReportSources sources)
        {
            return ValidateOptionsResult.Skip;
        }

        var slots = options.Queues.Values.Where(concurrency => concurrency > 0).Sum();
        var lanes = (services.GetService(typeof(IOptions<GenerationOptions>)) as IOptions<GenerationOptions>)?.Value.LanesPerJob ?? new GenerationOptions().LanesPerJob;
        var problems = sources.Names.Select(sources.Get)
            .Where(source => source.Kind == SourceKind.PostgreSql && PoolSize(source.DataSource) < (slots * lanes) + 1)
            .Select(source =>
                $"Source '{source.Name}' keeps at most {PoolSize(source.DataSource)} connections in this worker, but its {slots} job slots " +
                $"each hold up to {lanes} while they read ({GenerationOptions.SectionName}:LanesPerJob), and its health check one more: raise " +
                $"{SourceOptions.Section}:{source.Name}:MaxPoolSize (or the Maximum Pool Size in its connection string), or lower the queues' concurrency " +
                "or the lanes.")
            .ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static int PoolSize(DbDataSource dataSource) => new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MaxPoolSize;
}
