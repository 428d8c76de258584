using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Reports.Core.Catalog.Definitions;
using Reports.Core.Jobs;
using Reports.Core.Queue;
using Reports.Core.Storage;
using StackExchange.Redis;

namespace Reports.Bench.Harness;

/// <summary>Submits one job of a batch, for the batch's owner; every job of a batch has that owner and no other job has.</summary>
internal interface IJobSubmitter : IAsyncDisposable
{
    string Owner { get; }

    Task SubmitAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A report requested over the public HTTP API (authentication, validation, quota, the job and its outbox row, the
/// message), with a user key of a new owner.
/// </summary>
internal sealed class HttpSubmitter : IJobSubmitter
{
    private readonly ReportsApiClient _client;
    private readonly string _type;
    private readonly string _format;
    private readonly object _parameters;

    private HttpSubmitter(ReportsApiClient client, string owner, string type, string format, object parameters)
    {
        _client = client;
        Owner = owner;
        _type = type;
        _format = format;
        _parameters = parameters;
    }

    public string Owner { get; }

    public static async Task<HttpSubmitter> CreateAsync(BenchSession session, string type, string format, object parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var owner = "bench-" + Guid.NewGuid().ToString("N");
        var key = await session.Api.CreateUserKeyAsync(owner, cancellationToken);
        return new HttpSubmitter(new ReportsApiClient(session.System.ApiUrl, key), owner, type, format, parameters);
    }

    public Task SubmitAsync(CancellationToken cancellationToken) => _client.CreateAsync(_type, _format, _parameters, cancellationToken);

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// A no-op job submitted in-process, as a job library's client enqueues (Hangfire's <c>BackgroundJob.Enqueue</c>, BullMQ's
/// <c>queue.add</c>): Reports.Core's <see cref="JobSubmission"/>, the path <c>POST /api/reports</c> takes once a request is
/// valid (the job and its outbox row in one statement, then the message on the stream), on connections of its own.
/// </summary>
internal sealed class InProcessSubmitter : IJobSubmitter
{
    private static readonly JsonElement NoParameters = JsonDocument.Parse("{}").RootElement;
    private readonly NpgsqlDataSource _database;
    private readonly ConnectionMultiplexer _redis;
    private readonly JobSubmission _submission;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _outboxCleanup;

    private InProcessSubmitter(NpgsqlDataSource database, ConnectionMultiplexer redis)
    {
        _database = database;
        _redis = redis;
        var streams = new RedisJobStreams(redis);
        var published = new PublishedOutboxRows(database, NullLogger<PublishedOutboxRows>.Instance);
        _outboxCleanup = published.RunAsync(_stop.Token); // what the host runs as a hosted service in the API
        _submission = new JobSubmission(new JobStore(database, TimeProvider.System),
            new OutboxRelay(database, streams, published, NullLogger<OutboxRelay>.Instance),
            new JobEvents(redis, NullLogger<JobEvents>.Instance), NullLogger<JobSubmission>.Instance);
    }

    public string Owner { get; } = "bench-noop-" + Guid.NewGuid().ToString("N");

    public static async Task<InProcessSubmitter> CreateAsync(BenchSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        // Configured as the services configure theirs (AddNpgsqlDataSource): statements prepared, sessions not reset.
        var database = new NpgsqlDataSourceBuilder(session.System.Database) { ConnectionStringBuilder = { MaxAutoPrepare = 64, NoResetOnClose = true } }.Build();
        return new InProcessSubmitter(database, await ConnectionMultiplexer.ConnectAsync(session.System.Redis));
    }

    public Task SubmitAsync(CancellationToken cancellationToken) => _submission.SubmitAsync(new NewReportJob
    {
        Owner = Owner,
        ReportType = NoOpReport.Name,
        Format = Reports.Core.Catalog.ReportFormats.None,
        Parameters = NoParameters,
        Queue = NoOpReport.Definition.Queue,
        MaxAttempts = NoOpReport.Definition.MaxAttempts,
    }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _outboxCleanup;
        _stop.Dispose();
        await _redis.DisposeAsync();
        await _database.DisposeAsync();
    }
}
