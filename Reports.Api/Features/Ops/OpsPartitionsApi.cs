using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Reports.Api.Features.Reports;
using Reports.Core.Generation.Partitions;
using Reports.Core.Storage;

namespace Reports.Api.Features.Ops;

/// <summary>
/// The key-range partitions of a large report, as the operations page shows them: who reads (or read) each, how far it
/// is, and whether its claim has stalled or lapsed.
/// </summary>
public static class OpsPartitionsApi
{
    public static IHostApplicationBuilder AddOpsPartitions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WorkerLeaseView>()
            .Bind(builder.Configuration.GetSection(WorkerLeaseView.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return builder;
    }

    public static RouteGroupBuilder MapOpsPartitions(this RouteGroupBuilder group)
    {
        group.MapGet("/jobs/{id:guid}/partitions", PartitionsAsync).WithName("OpsJobPartitions")
            .WithSummary("A job's key-range partitions: rows, the worker holding or that finished each, lease, last progress, state.")
            .WithDescription("In file order; empty for a job read whole. The partitions of a job that ended are kept a day.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<Results<Ok<OpsPartitionsResource>, ProblemHttpResult>> PartitionsAsync(
        Guid id, PartitionStore store, JobStore jobs, IOptions<WorkerLeaseView> workers, TimeProvider time, CancellationToken cancellationToken)
    {
        var partitions = await store.ReadAsync(id, cancellationToken);
        if (partitions.Count == 0 && await jobs.GetAsync(id, owner: null, cancellationToken) is null)
        {
            return ReportsApi.NotFound(id);
        }

        var now = time.GetUtcNow();
        var stalledAfter = workers.Value.Lease * PartitionClaim.StalledLeases;
        return TypedResults.Ok(new OpsPartitionsResource(id, [.. partitions.Select(p => new OpsPartitionResource
        {
            Number = p.Number,
            From = p.Partition.From,
            To = p.Partition.To,
            RowsWritten = p.RowsWritten,
            Done = p.Done,
            Worker = p.Done ? p.FinishedBy : p.LeaseOwner,
            LeaseExpiresAt = p.LeaseExpiresAt,
            ProgressedAt = p.ProgressedAt,
            SinceProgressSeconds = p.ProgressedAt is { } at ? Math.Max(0, Math.Round((now - at).TotalSeconds, 1)) : null,
            State = StateOf(p, now, stalledAfter),
        })], now));
    }

    /// <summary>The same tests a claim makes: a lapsed lease is free to any worker, a stalled claim to the job's worker.</summary>
    private static string StateOf(PartitionState partition, DateTimeOffset now, TimeSpan stalledAfter) => partition switch
    {
        { Done: true } => "done",
        { LeaseOwner: null } => "waiting",
        { LeaseExpiresAt: { } expires } when expires < now => "lapsed",
        { ProgressedAt: { } moved } when moved < now - stalledAfter => "stalled",
        _ => "reading",
    };
}

public sealed record OpsPartitionsResource(Guid JobId, IReadOnlyList<OpsPartitionResource> Partitions, DateTimeOffset At);

/// <summary>One partition of a job's file. Ages in seconds.</summary>
public sealed record OpsPartitionResource
{
    [Description("Its place in the file, from 0.")]
    public required int Number { get; init; }

    [Description("Its first key (null: from the first row).")]
    public string? From { get; init; }

    [Description("The key it stops before (null: to the last row).")]
    public string? To { get; init; }

    public required long RowsWritten { get; init; }
    public required bool Done { get; init; }

    [Description("The worker whose claim holds it now, or that finished it once done; null while no claim holds it.")]
    public string? Worker { get; init; }

    public DateTimeOffset? LeaseExpiresAt { get; init; }

    [Description("When its claim last moved (claimed, rows, a checkpoint, done).")]
    public DateTimeOffset? ProgressedAt { get; init; }

    public double? SinceProgressSeconds { get; init; }

    [Description("waiting (no claim holds it), reading, stalled (its claim has not moved for four worker leases: the job's worker "
        + "takes it over), lapsed (its claim's lease expired: any worker of the queue may take it over) or done.")]
    public required string State { get; init; }
}
