using System.Globalization;
using StackExchange.Redis;

namespace Reports.Core.Queue;

/// <summary>What a worker says about itself every few seconds: the operations page lists the workers from these.</summary>
public sealed record WorkerBeat
{
    public required string Id { get; init; }
    public required string Host { get; init; }
    public required int ProcessId { get; init; }
    public required IReadOnlyDictionary<string, int> Queues { get; init; }
    public required long WorkingSetBytes { get; init; }
    public required long ManagedHeapBytes { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset HeartbeatAt { get; init; }
}

/// <summary>
/// Worker heartbeats in Redis: a hash <c>reports:workers:&lt;id&gt;</c> per worker that expires unless renewed, so a
/// worker that dies disappears by itself, and a sorted set of ids by last beat to find them without scanning keys.
/// </summary>
public sealed class WorkerHeartbeats(IConnectionMultiplexer redis)
{
    public const string IndexKey = "reports:workers";

    /// <summary>Ids not seen for this long are dropped from the index (their hashes have long expired).</summary>
    private static readonly TimeSpan IndexRetention = TimeSpan.FromMinutes(10);

    public static string Key(string workerId) => $"{IndexKey}:{workerId}";

    private IDatabase Db => redis.GetDatabase();

    public async Task WriteAsync(WorkerBeat beat, TimeSpan ttl, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var queues = string.Join(',', beat.Queues.Select(q => string.Create(CultureInfo.InvariantCulture, $"{q.Key}={q.Value}")));
        var batch = Db.CreateBatch();
        var written = batch.HashSetAsync(Key(beat.Id),
        [
            new("id", beat.Id),
            new("host", beat.Host),
            new("pid", beat.ProcessId),
            new("queues", queues),
            new("workingSetBytes", beat.WorkingSetBytes),
            new("managedHeapBytes", beat.ManagedHeapBytes),
            new("startedAt", beat.StartedAt.ToUnixTimeMilliseconds()),
            new("heartbeatAt", beat.HeartbeatAt.ToUnixTimeMilliseconds()),
        ]);
        var expiry = batch.KeyExpireAsync(Key(beat.Id), ttl);
        var indexed = batch.SortedSetAddAsync(IndexKey, beat.Id, beat.HeartbeatAt.ToUnixTimeMilliseconds());
        batch.Execute();
        await Task.WhenAll(written, expiry, indexed);
    }

    /// <summary>A worker that stops cleanly leaves the list at once instead of when its hash expires.</summary>
    public async Task RemoveAsync(string workerId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await Db.KeyDeleteAsync(Key(workerId));
        await Db.SortedSetRemoveAsync(IndexKey, workerId);
    }

    /// <summary>The workers whose heartbeat has not expired, by id.</summary>
    public async Task<IReadOnlyList<WorkerBeat>> ListAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await Db.SortedSetRemoveRangeByScoreAsync(IndexKey, double.NegativeInfinity, (now - IndexRetention).ToUnixTimeMilliseconds());
        var ids = await Db.SortedSetRangeByRankAsync(IndexKey);
        var beats = await Task.WhenAll(ids.Select(id => Db.HashGetAllAsync(Key(id.ToString()))));
        return [.. beats.Where(fields => fields.Length > 0).Select(Parse).OrderBy(b => b.Id, StringComparer.Ordinal)];
    }

    private static WorkerBeat Parse(HashEntry[] fields)
    {
        var values = fields.ToDictionary(f => f.Name.ToString(), f => f.Value.ToString(), StringComparer.Ordinal);
        string Text(string name) => values.GetValueOrDefault(name, "");
        long Number(string name) => long.TryParse(Text(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var queues = Text("queues").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(q => q.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => int.TryParse(p[1], CultureInfo.InvariantCulture, out var c) ? c : 0, StringComparer.Ordinal);
        return new WorkerBeat
        {
            Id = Text("id"),
            Host = Text("host"),
            ProcessId = (int)Number("pid"),
            Queues = queues,
            WorkingSetBytes = Number("workingSetBytes"),
            ManagedHeapBytes = Number("managedHeapBytes"),
            StartedAt = DateTimeOffset.FromUnixTimeMilliseconds(Number("startedAt")),
            HeartbeatAt = DateTimeOffset.FromUnixTimeMilliseconds(Number("heartbeatAt")),
        };
    }
}
