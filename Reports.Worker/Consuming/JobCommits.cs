using Microsoft.Extensions.Options;
using Reports.Core.Jobs;
using Reports.Core.Storage;

namespace Reports.Worker.Consuming;

/// <summary>
/// The claims, slot entries and completions this worker's job slots make, each gathered into one statement with those made at
/// about the same time (<see cref="GroupCommit{TItem, TResult}"/>, <see cref="WorkerOptions.GroupCommitWindow"/>). Every
/// guarantee stays per job: a claim is the job's own compare-and-set, a completion is conditional on its own attempt,
/// and a message is acknowledged only once its own outcome is written.
/// </summary>
internal sealed class JobCommits : IAsyncDisposable
{
    private readonly JobStore _store;
    private readonly WorkerOptions _settings;
    private readonly GroupCommit<Guid, BatchClaim> _claims;
    private readonly GroupCommit<JobCompletion, bool> _completions;
    private readonly GroupCommit<ClaimedJob, bool> _entries;
    private readonly TimeProvider _time;
    private readonly ILogger<JobCommits> _logger;

    public JobCommits(JobStore store, IOptions<WorkerOptions> options, TimeProvider time, ILogger<JobCommits> logger)
    {
        (_store, _settings, _time, _logger) = (store, options.Value, time, logger);
        // A batch PostgreSQL refused (one bad item, a deadlock) was surely not written: each of its jobs is written again
        // alone. A lost connection or a server going down may come after the commit: its callers hear of it, and so do
        // those waiting behind it (their writes not tried), rather than each batch meeting the dead server in turn.
        _claims = new((ids, ct) => store.ClaimManyAsync(ids, _settings.Id, _settings.Lease, ct), _settings.GroupCommitWindow,
            _settings.GroupCommitMaxBatch, RefusedStatements.Is, LostConnections.Is);
        _completions = new(store.CompleteManyAsync, _settings.GroupCommitWindow, _settings.GroupCommitMaxBatch, RefusedStatements.Is,
            LostConnections.Is);
        _entries = new(store.EnterManyAsync, _settings.GroupCommitWindow, _settings.GroupCommitMaxBatch, RefusedStatements.Is,
            LostConnections.Is);
    }

    /// <summary>Claims the job for an attempt on this worker (null when it cannot be claimed now).</summary>
    public async Task<ClaimedJob?> ClaimAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var batched = await _claims.WriteAsync(jobId, cancellationToken);
        // Its row was held by another transaction (a cancel, the sweep): claimed alone, waiting for the row outside the
        // batch, so this worker's other claims do not wait with it.
        // Not cancelled by a stop: a claim cut short may have gone through, and its caller would not know it holds the job.
        return batched.Locked ? await _store.ClaimAsync(jobId, _settings.Id, _settings.Lease, CancellationToken.None) : batched.Claim;
    }

    /// <summary>
    /// Records, without waiting, that the attempt entered its job slot, so that a takeover counts it as used
    /// (<see cref="JobStore.EnterManyAsync"/>), once the job has held its slot for <see cref="WorkerOptions.SlotEntryDelay"/>.
    /// <paramref name="withdrawn"/> withdraws it until its batch leaves: a job that ends first needs none, its outcome
    /// being written instead, so short jobs never write one.
    /// </summary>
    public void Enter(ClaimedJob claim, CancellationToken withdrawn) => _ = EnterAsync(claim, withdrawn);

    private async Task EnterAsync(ClaimedJob claim, CancellationToken withdrawn)
    {
        // Most entries are withdrawn (the job ended first), which is no failure: awaited without rethrowing it here.
        if (_settings.SlotEntryDelay > TimeSpan.Zero)
        {
            await Task.Delay(_settings.SlotEntryDelay, _time, withdrawn).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (withdrawn.IsCancellationRequested)
            {
                return;
            }
        }

        Task entry = _entries.WriteAsync(claim, withdrawn);
        await entry.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (entry.IsFaulted)
        {
            // Not recorded: should the job be taken over, its attempt counts as unstarted (at most max_attempts times).
            _logger.LogDebug("The slot entry of job {JobId} attempt {Attempt} was not recorded ({Error})", claim.Id, claim.Attempt,
                entry.Exception.GetBaseException().Message);
        }
    }

    /// <summary>Records the attempt's file: false when the attempt no longer holds the job.</summary>
    public async Task<bool> CompleteAsync(ClaimedJob claim, ReportFile? file, TimeSpan retention, CancellationToken cancellationToken)
    {
        var completion = new JobCompletion(claim, file, retention);
        try
        {
            return await _completions.WriteAsync(completion, cancellationToken);
        }
        catch (Exception e) when (LostConnections.Is(e) && !cancellationToken.IsCancellationRequested)
        {
            // One connection lost (a backend terminated) is not always the server gone: written once more, alone, so the
            // job does not lose an attempt for it. Safe: a completion holds only for its own attempt of a running job,
            // so one the lost batch did commit is not written twice (false then: the message is left to redelivery,
            // which finds the job done).
            return await _store.CompleteAsync(claim, file, retention, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _claims.DisposeAsync();
        await _completions.DisposeAsync();
        await _entries.DisposeAsync();
    }
}
