using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MySqlConnector;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Reports.Core;
using Reports.Core.Catalog;
using Reports.Core.Sources;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The data sources reports read from (<c>Reports:Sources:&lt;name&gt;</c> with <c>ConnectionStrings:&lt;name&gt;</c>), each
/// with its own pool, health check and telemetry, and sessions that cannot write and cannot run a statement past the
/// source's timeout, whatever SQL a report definition holds. PostgreSQL sources go through Aspire's Npgsql client
/// integration (keyed by the source's name); MySQL and MariaDB ones through MySqlConnector's data source.
/// </summary>
public static partial class ReportSourceClients
{
    [System.Text.RegularExpressions.GeneratedRegex("^[a-z][a-z0-9-]{0,63}$")]
    private static partial System.Text.RegularExpressions.Regex SourceName();

    /// <param name="healthChecks">
    /// Whether the service reports the sources' health (Degraded while one does not answer): yes for the workers that
    /// read them; no for the API, which must keep accepting jobs while a source (a replica, say) is down.
    /// </param>
    public static IHostApplicationBuilder AddReportSources(this IHostApplicationBuilder builder, bool healthChecks)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var sources = new List<(string Name, SourceOptions Options)>();
        foreach (var section in builder.Configuration.GetSection(SourceOptions.Section).GetChildren())
        {
            var options = new SourceOptions();
            // Names as definition files write them (configuration keys ignore case, a file's source does not), and no
            // setting ignored: a misspelt MaxConcurrentQueries must not leave the default cap in place silently.
            if (!SourceName().IsMatch(section.Key))
            {
                throw new InvalidOperationException(
                    $"{SourceOptions.Section}:{section.Key}: a source's name is lowercase letters, digits and dashes, starting with a letter.");
            }

            try
            {
                section.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidOperationException($"{SourceOptions.Section}:{section.Key}: {e.Message}", e);
            }

            if (options.Problem(section.Key) is { } problem)
            {
                throw new InvalidOperationException(problem);
            }

            if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(section.Key)))
            {
                throw new InvalidOperationException(
                    $"{SourceOptions.Section}:{section.Key} has no connection string: set ConnectionStrings:{section.Key}.");
            }

            sources.Add((section.Key, options));
            if (options.Kind == SourceKind.PostgreSql)
            {
                builder.AddKeyedNpgsqlDataSource(section.Key,
                    configureSettings: settings => settings.DisableHealthChecks = true, // ours: Degraded, not Unhealthy
                    configureDataSourceBuilder: dataSource => ConfigurePostgres(dataSource, options));
            }
            else
            {
                AddMySql(builder, section.Key, options);
            }

            AddHealthCheck(builder, section.Key, healthChecks);
        }

        if (!sources.Any(s => s.Name == ReportDefinition.DefaultSource))
        {
            // The demo reports' source, when not configured: ConnectionStrings:sales, or else the job store's database
            // (where `migrate` seeds the demo dataset by default).
            var options = new SourceOptions();
            sources.Add((ReportDefinition.DefaultSource, options));
            builder.AddKeyedNpgsqlDataSource(ReportDefinition.DefaultSource,
                configureSettings: settings =>
                {
                    settings.ConnectionString ??= builder.Configuration.GetConnectionString(ResourceNames.Database);
                    settings.DisableHealthChecks = true;
                },
                configureDataSourceBuilder: dataSource => ConfigurePostgres(dataSource, options));
            AddHealthCheck(builder, ReportDefinition.DefaultSource, healthChecks);
        }

        builder.Services.AddSingleton(services => new ReportSources(sources.Select(s =>
            new ReportSource(s.Name, s.Options, services.GetRequiredKeyedService<DbDataSource>(s.Name)))));
        builder.Services.AddSingleton<SourceQuerySlots>();
        builder.Services.AddSingleton(services => new SourceConnections(services.GetRequiredService<ReportSources>(),
            services.GetRequiredService<SourceQuerySlots>(), services.GetRequiredService<Logging.ILogger<SourceConnections>>()));
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<CatalogSourcesCheck>, CatalogSourcesValidation>();
        builder.Services.AddOptions<CatalogSourcesCheck>().ValidateOnStart();
        return builder;
    }

    /// <summary>
    /// Read-only sessions and the statement timeout as startup parameters, so they hold from the first statement of
    /// every connection, and a larger read buffer; a pool or buffer size the connection string names is left as it is.
    /// </summary>
    public static void ConfigurePostgres(NpgsqlDataSourceBuilder dataSource, SourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        var settings = dataSource.ConnectionStringBuilder;
        var timeout = ((long)options.StatementTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        settings.Options = $"{settings.Options} -c default_transaction_read_only=on -c statement_timeout={timeout}".Trim();
        settings.CommandTimeout = ClientTimeoutSeconds(options);
        if (!ReportsClients.Names(dataSource.ConnectionString, "Maximum Pool Size") && !ReportsClients.Names(dataSource.ConnectionString, "Max Pool Size"))
        {
            settings.MaxPoolSize = options.MaxPoolSize;
        }

        if (!ReportsClients.Names(dataSource.ConnectionString, "Read Buffer Size"))
        {
            settings.ReadBufferSize = ReadBufferBytes;
        }

        settings.ApplicationName ??= "reports";
    }

    /// <summary>
    /// A report's rows stream in through this buffer: at Npgsql's 8 KiB, every hundred rows or so is a socket read and,
    /// when the rows have not arrived yet, a hop to another thread; 64 KiB makes those eight times fewer for 56 KiB per
    /// connection.
    /// </summary>
    public const int ReadBufferBytes = 64 * 1024;

    /// <summary>
    /// The client's backstop on every report statement: the statement timeout plus a margin. A definition can turn the
    /// server's timeout off for its session (<c>set_config('statement_timeout', …)</c>, a MySQL optimizer hint); the
    /// client then cancels the statement itself, still well within its query slot's lease (timeout + 30 s).
    /// </summary>
    private static int ClientTimeoutSeconds(SourceOptions options) => (int)Math.Ceiling((options.StatementTimeout + TimeSpan.FromSeconds(10)).TotalSeconds);

    /// <summary>
    /// A source that does not answer makes the worker Degraded, not Unhealthy: <c>/health</c> still answers 200 (naming
    /// the source), so one replica down does not fail every worker's startup and readiness probes and stop the reports of
    /// every other source; that source's reports retry until it is back.
    /// </summary>
    private static void AddHealthCheck(IHostApplicationBuilder builder, string name, bool healthChecks)
    {
        if (healthChecks)
        {
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                $"source-{name}", services => new SourceHealthCheck(services.GetRequiredKeyedService<DbDataSource>(name)),
                HealthStatus.Degraded, ["source"], TimeSpan.FromSeconds(5)));
        }
    }

    private static void AddMySql(IHostApplicationBuilder builder, string name, SourceOptions options)
    {
        builder.Services.AddKeyedSingleton<DbDataSource>(name, (services, _) =>
        {
            var settings = new MySqlConnectionStringBuilder(builder.Configuration.GetConnectionString(name)!);
            if (!ReportsClients.Names(settings.ConnectionString, "Maximum Pool Size") && !ReportsClients.Names(settings.ConnectionString, "Max Pool Size"))
            {
                settings.MaximumPoolSize = (uint)options.MaxPoolSize;
            }

            settings.DefaultCommandTimeout = (uint)ClientTimeoutSeconds(options);
            settings.IgnorePrepare = false; // the catalog check prepares statements on the server to check them without running them

            // DATETIME columns hold UTC (as PostgreSQL's timestamptz is read): key values and cells keep their kind.
            settings.DateTimeKind = MySqlDateTimeKind.Utc;

            // Every report query runs inside the connection's read-only transaction, which the engine's generic commands
            // do not name (Npgsql does not ask them to).
            settings.IgnoreCommandTransaction = true;

            return new MySqlDataSourceBuilder(settings.ConnectionString)
                .UseName(name)
                .UseLoggerFactory(services.GetService<Logging.ILoggerFactory>())
                .UseConnectionOpenedCallback((context, cancellationToken) => RestrictSessionAsync(context.Connection, options, cancellationToken))
                .Build();
        });
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource("MySqlConnector"));
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter("MySqlConnector"));
    }

    /// <summary>
    /// Every session, new or reset on its way back from the pool (a reset clears session settings), refuses writes, ends
    /// statements past the timeout (MariaDB's <c>max_statement_time</c>, seconds, or MySQL's <c>max_execution_time</c>,
    /// milliseconds, which MySQL applies to SELECT statements), and reads <c>TIMESTAMP</c> columns in UTC, as every time
    /// of a report is labelled (the server's own zone would shift them, and repeat an hour when its clocks go back).
    /// </summary>
    public static async ValueTask RestrictSessionAsync(MySqlConnection connection, SourceOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        var timeout = connection.ServerVersion.Contains("MariaDB", StringComparison.OrdinalIgnoreCase)
            ? string.Create(CultureInfo.InvariantCulture, $"SET SESSION max_statement_time = {options.StatementTimeout.TotalSeconds:0.###}")
            : string.Create(CultureInfo.InvariantCulture, $"SET SESSION max_execution_time = {(long)options.StatementTimeout.TotalMilliseconds}");
        await using var command = new MySqlCommand($"SET SESSION TRANSACTION READ ONLY; SET time_zone = '+00:00'; {timeout}", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
