using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Reports.Core.Generation;
using Reports.Core.Storage.Blobs;

namespace Reports.Core.Retention;

/// <summary>
/// Deletes files past their retention (the job becomes <c>expired</c>), blobs no job accounts for, and blocks staged by
/// abandoned attempts. Every step is idempotent and locks what it works on with SKIP LOCKED, so any number of
/// workers can run it at once.
/// </summary>
public sealed class RetentionCleaner(
    NpgsqlDataSource dataSource, IReportFiles files, BlobServiceClient blobs, IOptions<RetentionOptions> options, TimeProvider time,
    ILogger<RetentionCleaner> logger)
{
    /// <summary>How long a cleaner holds the files it claimed; another takes them over after this (it died mid-pass).</summary>
    private static readonly TimeSpan ExpiryClaim = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Deletes the files of succeeded reports whose retention is over and marks them expired; returns how many. Three
    /// steps, so no row stays locked while blob storage is called over the network: claim a batch (one short statement,
    /// SKIP LOCKED, so cleaners share the work), delete the blobs with no transaction open, then mark the claimed rows
    /// expired (compare-and-set on the claim). A cleaner that dies in between leaves its claim to run out; deleting a
    /// blob twice is harmless.
    /// </summary>
    public async Task<int> ExpireDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var claimedUntil = now + ExpiryClaim;
        var due = new List<(Guid Id, string Blob)>();
        await using (var claim = dataSource.CreateCommand("""
            UPDATE reports.jobs SET expiry_claimed_until = @until
            WHERE id IN (
                SELECT id FROM reports.jobs
                WHERE status = 'succeeded' AND expires_at <= @now AND (expiry_claimed_until IS NULL OR expiry_claimed_until < @now)
                ORDER BY expires_at LIMIT 200
                FOR UPDATE SKIP LOCKED)
            RETURNING id, blob_name
            """))
        {
            claim.Parameters.AddWithValue("now", now);
            claim.Parameters.AddWithValue("until", claimedUntil);
            await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                due.Add((reader.GetGuid(0), reader.GetString(1)));
            }
        }

        foreach (var (_, blob) in due)
        {
            await files.DeleteAsync(blob, cancellationToken);
        }

        await using var expire = dataSource.CreateCommand("""
            UPDATE reports.jobs SET status = 'expired', expiry_claimed_until = NULL, updated_at = @now
            WHERE id = ANY(@ids) AND status = 'succeeded' AND expiry_claimed_until = @until
            """);
        expire.Parameters.AddWithValue("ids", due.Select(d => d.Id).ToArray());
        expire.Parameters.AddWithValue("until", claimedUntil);
        expire.Parameters.AddWithValue("now", time.GetUtcNow());
        return await expire.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Deletes blobs (committed or only staged) older than the grace period whose job is gone or can no longer use
    /// them: failed, cancelled or expired, or never this job's file. Returns how many.
    /// </summary>
    public async Task<int> RemoveOrphansAsync(CancellationToken cancellationToken)
    {
        var container = blobs.GetBlobContainerClient(BlobReportFiles.ContainerName);
        if (!await container.ExistsAsync(cancellationToken))
        {
            return 0;
        }

        var cutoff = time.GetUtcNow() - options.Value.OrphanGrace;
        var candidates = new List<(string Name, Guid? JobId)>();
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.Uncommitted, prefix: null, cancellationToken))
        {
            if (blob.Properties.LastModified is { } modified && modified > cutoff)
            {
                continue;
            }

            candidates.Add((blob.Name, Guid.TryParseExact(blob.Name.Split('.')[0], "N", out var id) ? id : null));
            if (candidates.Count >= 1000)
            {
                break; // bounded per pass; the next pass continues
            }
        }

        var keep = await BlobsInUseAsync(candidates.Where(c => c.JobId is not null).Select(c => c.JobId!.Value).Distinct().ToArray(), cancellationToken);
        var removed = 0;
        foreach (var (name, _) in candidates.Where(c => !keep.Contains(c.Name)))
        {
            await files.DeleteAsync(name, cancellationToken);
            removed++;
        }

        if (removed > 0)
        {
            logger.LogInformation("Removed {Count} orphaned report blobs", removed);
        }

        return removed;
    }

    /// <summary>
    /// Deletes what the bookkeeping of operators keeps past its retention: finished replays (their members go with them)
    /// older than <see cref="RetentionOptions.Replays"/>, schedule changes older than
    /// <see cref="RetentionOptions.ScheduleHistory"/>, and the whole history of a schedule deleted more than
    /// <see cref="RetentionOptions.DeletedScheduleHistory"/> ago (it holds the parameters, webhook URL and recipients of a
    /// schedule that no longer exists). Bounded per pass: a few batches, oldest first; the next pass goes on.
    /// </summary>
    public async Task<(int Replays, int ScheduleChanges)> PruneHistoryAsync(CancellationToken cancellationToken)
    {
        const int batch = 1_000, batches = 10;
        var settings = options.Value;
        var now = time.GetUtcNow();
        int replays = 0, changes = 0;
        for (var i = 0; i < batches; i++)
        {
            await using var command = dataSource.CreateCommand("""
                DELETE FROM reports.replays WHERE id IN (
                    SELECT id FROM reports.replays WHERE finished_at < @cutoff ORDER BY finished_at LIMIT @batch)
                """);
            command.Parameters.AddWithValue("cutoff", now - settings.Replays);
            command.Parameters.AddWithValue("batch", batch);
            var deleted = await command.ExecuteNonQueryAsync(cancellationToken);
            replays += deleted;
            if (deleted < batch)
            {
                break;
            }
        }

        for (var i = 0; i < batches; i++)
        {
            await using var command = dataSource.CreateCommand("""
                DELETE FROM reports.schedule_changes WHERE id IN (
                    SELECT id FROM reports.schedule_changes WHERE changed_at < @history_cutoff
                    UNION
                    SELECT c.id FROM reports.schedule_changes AS c
                    WHERE c.schedule_id IN (SELECT d.schedule_id FROM reports.schedule_changes AS d
                                            WHERE d.action = 'deleted' AND d.changed_at < @deleted_cutoff)
                    LIMIT @batch)
                """);
            command.Parameters.AddWithValue("history_cutoff", now - settings.ScheduleHistory);
            command.Parameters.AddWithValue("deleted_cutoff", now - settings.DeletedScheduleHistory);
            command.Parameters.AddWithValue("batch", batch);
            var deleted = await command.ExecuteNonQueryAsync(cancellationToken);
            changes += deleted;
            if (deleted < batch)
            {
                break;
            }
        }

        if (replays + changes > 0)
        {
            logger.LogInformation("Retention: {Replays} replays and {Changes} schedule changes deleted", replays, changes);
        }

        return (replays, changes);
    }

    /// <summary>The blob names that unfinished or succeeded jobs among <paramref name="jobIds"/> may still need.</summary>
    private async Task<HashSet<string>> BlobsInUseAsync(Guid[] jobIds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT replace(id::text, '-', '') || '.' || format FROM reports.jobs
            WHERE id = ANY(@ids) AND status IN ('queued', 'waiting', 'retrying', 'running', 'cancelling', 'succeeded')
            """);
        command.Parameters.AddWithValue("ids", jobIds);
        var names = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}
