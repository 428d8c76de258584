using Microsoft.AspNetCore.Http.HttpResults;
using Reports.Api.Auth;
using Reports.Api.Features.Reports;
using Reports.Core.Queue;
using Reports.Core.Storage;

namespace Reports.Api.Features.Ops;

/// <summary>The figures of the operations page (<c>/ops</c>): queues, workers, history and job detail (with its partitions), for admins only.</summary>
public static class OpsApi
{
    private static readonly TimeSpan HistoryWindow = TimeSpan.FromHours(1);
    private static readonly TimeSpan HistoryBucket = TimeSpan.FromMinutes(5);

    public static IHostApplicationBuilder AddOpsApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<OpsQueries>();
        builder.Services.AddSingleton<JobDetailQuery>();
        builder.Services.AddSingleton<QueueStatistics>();
        builder.Services.AddSingleton<WorkerHeartbeats>();
        builder.AddOpsPartitions();
        return builder;
    }

    public static RouteGroupBuilder MapOpsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/admin/ops").WithTags("Operations").RequireAuthorization(AuthExtensions.AdminPolicy);
        group.MapGet("/queues", QueuesAsync).WithName("OpsQueues")
            .WithSummary("Each queue: stream length, entries waiting and pending, oldest waiting age, jobs by state, finished in the last minute.")
            .WithDescription("Read from the Redis streams and the job table at the time of the call.");
        group.MapGet("/workers", WorkersAsync).WithName("OpsWorkers")
            .WithSummary("Live workers from their heartbeats (host, queues, memory) with the jobs each holds now.")
            .WithDescription("A worker that holds jobs but sends no heartbeat is listed too, without host or memory.");
        group.MapGet("/history", HistoryAsync).WithName("OpsHistory")
            .WithSummary("Jobs created, succeeded, failed and cancelled per 5 minutes over the last hour.")
            .WithDescription("Twelve buckets of five minutes, oldest first, of every owner's jobs.");
        group.MapGet("/jobs/{id:guid}", JobAsync).WithName("OpsJob")
            .WithSummary("A job of any owner with its lease, checkpoint and every attempt (worker, timings, outcome, error).")
            .WithDescription("For an operator following one job through its attempts.").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapOpsPartitions();
        group.MapOpsSchedules();
        return group;
    }

    private static async Task<Ok<QueuesResource>> QueuesAsync(
        OpsQueries queries, QueueStatistics statistics, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var counts = (await queries.QueueCountsAsync(cancellationToken)).ToDictionary(c => c.Queue, StringComparer.Ordinal);
        var queues = new List<QueueResource>();
        foreach (var name in QueueNames.All)
        {
            var stream = await statistics.ReadAsync(name, cancellationToken);
            var jobs = counts.GetValueOrDefault(name) ?? new QueueJobCounts(name, 0, 0, 0, null, 0, 0);
            queues.Add(new QueueResource
            {
                Name = name,
                Length = stream.Length,
                Waiting = stream.Waiting,
                Pending = stream.Pending,
                OldestWaitingSeconds = Age(now, stream.OldestWaitingSince),
                Queued = jobs.Queued,
                Running = jobs.Running,
                Retrying = jobs.Retrying,
                OldestQueuedSeconds = Age(now, jobs.OldestQueuedAt),
                SucceededLastMinute = jobs.SucceededLastMinute,
                FailedLastMinute = jobs.FailedLastMinute,
            });
        }

        return TypedResults.Ok(new QueuesResource(queues, now));
    }

    private static async Task<Ok<WorkersResource>> WorkersAsync(
        OpsQueries queries, WorkerHeartbeats heartbeats, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var beats = await heartbeats.ListAsync(now, cancellationToken);
        var held = (await queries.HeldJobsAsync(cancellationToken)).ToLookup(j => j.Worker, StringComparer.Ordinal);
        List<HeldJobResource> JobsOf(string worker) =>
            [.. held[worker].Select(j => new HeldJobResource(j.Id, j.ReportType, j.Format, j.RowsWritten, j.RowsTotal))];
        var workers = beats.Select(b => new WorkerResource
        {
            Id = b.Id,
            Host = b.Host,
            ProcessId = b.ProcessId,
            HeartbeatAgeSeconds = Age(now, b.HeartbeatAt),
            Queues = b.Queues,
            JobsInProgress = held[b.Id].Count(),
            Jobs = JobsOf(b.Id),
            WorkingSetBytes = b.WorkingSetBytes,
            ManagedHeapBytes = b.ManagedHeapBytes,
            StartedAt = b.StartedAt,
        }).ToList();
        var silent = held.Select(g => g.Key).Where(id => beats.All(b => b.Id != id)).Order(StringComparer.Ordinal);
        workers.AddRange(silent.Select(id => new WorkerResource
        {
            Id = id,
            Queues = new Dictionary<string, int>(),
            JobsInProgress = held[id].Count(),
            Jobs = JobsOf(id),
        }));
        return TypedResults.Ok(new WorkersResource(workers, now));
    }

    private static async Task<Ok<HistoryResource>> HistoryAsync(OpsQueries queries, TimeProvider time, CancellationToken cancellationToken)
    {
        var buckets = await queries.HistoryAsync(HistoryWindow, HistoryBucket, cancellationToken);
        return TypedResults.Ok(new HistoryResource((int)HistoryBucket.TotalSeconds,
            [.. buckets.Select(b => new StateBucketResource(b.Start, b.Created, b.Succeeded, b.Failed, b.Cancelled))], time.GetUtcNow()));
    }

    private static async Task<Results<Ok<JobDetailResource>, ProblemHttpResult>> JobAsync(
        Guid id, JobDetailQuery query, JobStore store, ReportResources resources, CancellationToken cancellationToken)
    {
        var detail = await query.GetAsync(id, cancellationToken);
        if (detail is null)
        {
            return ReportsApi.NotFound(id);
        }

        var job = detail.Job;
        var replayedAs = (await store.ReplayedAsAsync([job.Id], cancellationToken)).TryGetValue(job.Id, out var copy) ? copy : (Guid?)null;
        return TypedResults.Ok(new JobDetailResource
        {
            Report = resources.From(job) with { ReplayedAs = replayedAs },
            Owner = job.Owner,
            Queue = job.Queue,
            MaxAttempts = job.MaxAttempts,
            LeaseOwner = detail.LeaseOwner,
            LeaseExpiresAt = detail.LeaseExpiresAt,
            NextAttemptAt = detail.NextAttemptAt,
            Checkpoint = job.Checkpoint is null ? null : System.Text.Json.JsonDocument.Parse(job.Checkpoint).RootElement,
            Attempts = [.. detail.Attempts.Select(a => new JobAttemptResource(a.Attempt, a.Worker, a.StartedAt, a.EndedAt,
                a.EndedAt is { } end ? (end - a.StartedAt).TotalSeconds : null, a.Outcome, a.ErrorCode, a.Error, a.RowsWritten))],
        });
    }

    private static double? Age(DateTimeOffset now, DateTimeOffset? since) =>
        since is { } at ? Math.Max(0, Math.Round((now - at).TotalSeconds, 1)) : null;
}
