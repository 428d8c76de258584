using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Reports.Core.Jobs;
using Reports.LocalServers;
using Reports.Core.Storage;
using Reports.Tests.Engine;
using Reports.Tests.Integration;
using Reports.Worker;
using Reports.Worker.Consuming;

namespace Reports.Tests.Worker;

/// <summary>The lease heartbeat against the real database, on a fake clock.</summary>
[Collection(IntegrationGroup.Name)]
public sealed class LeaseHeartbeatTests(Infrastructure infrastructure) : IAsyncLifetime
{
    private static readonly WorkerOptions Options = new() { Lease = TimeSpan.FromSeconds(10), Heartbeat = TimeSpan.FromSeconds(2) };
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2032, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private NpgsqlDataSource _database = null!;
    private JobStore _store = null!;

    public async Task InitializeAsync()
    {
        await infrastructure.SystemAsync(); // migrated
        _database = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        _store = new JobStore(_database, _clock);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Each_beat_extends_the_lease_and_a_refused_renewal_reports_the_lease_lost()
    {
        var claim = await ClaimNewJobAsync("heartbeat-worker");

        await using var heartbeat = new LeaseHeartbeat(_store, claim, Options, _clock, NullLogger.Instance);
        _clock.Advance(Options.Heartbeat);
        await FaultSystem.EventuallyAsync(async () => await LeaseExpiresAtAsync(claim.Id) == _clock.GetUtcNow() + Options.Lease,
            "the first beat extended the lease");

        // Another attempt takes the job over (as a claim after an expired lease does: the attempt grows); this
        // attempt's next renewal is refused.
        await using (var takeover = _database.CreateCommand("UPDATE reports.jobs SET attempt = attempt + 1, lease_owner = 'other-worker' WHERE id = $1"))
        {
            takeover.Parameters.AddWithValue(claim.Id);
            await takeover.ExecuteNonQueryAsync();
        }

        _clock.Advance(Options.Heartbeat);
        await FaultSystem.EventuallyAsync(() => Task.FromResult(heartbeat.Lost.IsCancellationRequested), "the heartbeat reports the lease lost");
    }

    [Fact]
    public async Task A_lease_that_cannot_be_renewed_is_given_up_when_it_runs_out()
    {
        var claim = await ClaimNewJobAsync("cut-off-worker");

        // The worker can no longer reach PostgreSQL (nothing listens on this port): every renewal fails.
        var unreachable = new NpgsqlConnectionStringBuilder(infrastructure.PostgresConnectionString) { Port = FreePort.Next(), Timeout = 2 };
        await using var cutOff = NpgsqlDataSource.Create(unreachable.ConnectionString);
        await using var heartbeat = new LeaseHeartbeat(new JobStore(cutOff, _clock), claim, Options, _clock, NullLogger.Instance);
        _clock.Advance(Options.Heartbeat);
        _clock.Advance(Options.Heartbeat);
        Assert.False(heartbeat.Lost.IsCancellationRequested); // still inside the lease it was claimed with

        // Past the lease: another worker may claim the job now, so this one must stop writing, answer or no answer.
        _clock.Advance(Options.Lease);
        await FaultSystem.EventuallyAsync(() => Task.FromResult(heartbeat.Lost.IsCancellationRequested),
            "the heartbeat gives the lease up once it has run out", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Every_beat_holds_the_message_even_when_the_renewal_does_not_get_through()
    {
        var claim = await ClaimNewJobAsync("holding-worker");

        // PostgreSQL unreachable: no renewal gets through, but the lease written at the claim is still live.
        var unreachable = new NpgsqlConnectionStringBuilder(infrastructure.PostgresConnectionString) { Port = FreePort.Next(), Timeout = 2 };
        await using var cutOff = NpgsqlDataSource.Create(unreachable.ConnectionString);
        var holds = 0;
        await using var heartbeat = new LeaseHeartbeat(new JobStore(cutOff, _clock), claim, Options, _clock, NullLogger.Instance,
            _ => { Interlocked.Increment(ref holds); return Task.CompletedTask; });

        _clock.Advance(Options.Heartbeat);
        await FaultSystem.EventuallyAsync(() => Task.FromResult(Volatile.Read(ref holds) == 1), "the first beat held the message",
            TimeSpan.FromSeconds(30));
        _clock.Advance(Options.Heartbeat);
        await FaultSystem.EventuallyAsync(() => Task.FromResult(Volatile.Read(ref holds) == 2), "the second beat held the message",
            TimeSpan.FromSeconds(30));
        Assert.False(heartbeat.Lost.IsCancellationRequested);
    }

    [Fact]
    public async Task A_job_that_ends_before_its_first_beat_never_renews()
    {
        var claim = await ClaimNewJobAsync("short-job-worker");
        var claimedUntil = await LeaseExpiresAtAsync(claim.Id);

        await new LeaseHeartbeat(_store, claim, Options, _clock, NullLogger.Instance).DisposeAsync();
        _clock.Advance(Options.Heartbeat * 3);

        Assert.Equal(claimedUntil, await LeaseExpiresAtAsync(claim.Id));
    }

    private async Task<ClaimedJob> ClaimNewJobAsync(string worker)
    {
        var created = await _store.CreateAsync(NoOpJobs.New("test-heartbeat"), CancellationToken.None);
        return (await _store.ClaimAsync(created.Job.Id, worker, Options.Lease, CancellationToken.None))!;
    }

    private async Task<DateTimeOffset> LeaseExpiresAtAsync(Guid id)
    {
        await using var command = _database.CreateCommand("SELECT lease_expires_at FROM reports.jobs WHERE id = $1");
        command.Parameters.AddWithValue(id);
        return new DateTimeOffset((DateTime)(await command.ExecuteScalarAsync())!, TimeSpan.Zero);
    }
}
