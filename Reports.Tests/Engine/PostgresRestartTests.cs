using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Reports.Core.Jobs;
using Reports.Core.Storage;
using Reports.Tests.Integration;

namespace Reports.Tests.Engine;

[Collection(FaultGroup.Name)]
public sealed class PostgresRestartTests(FaultSystem system)
{
    [Fact]
    public async Task While_postgres_is_down_the_api_answers_503_and_after_its_restart_accepted_reports_finish()
    {
        using var client = await system.CreateClientAsync();
        await using var worker = await system.StartWorkerAsync("pg-restart-" + Guid.NewGuid().ToString("N")[..6]);
        var id = (await ReportsClient.CreateAsync(client, new { type = "orders", parameters = new { from = "2021-01-01", to = "2025-12-31" } }))
            .GetProperty("id").GetString()!;
        await FaultSystem.EventuallyAsync(async () => await system.JobValueAsync<string>(id, "checkpoint") is not null, "blocks are staged");

        await system.Infrastructure.StopPostgresAsync();
        try
        {
            using var response = await client.GetAsync(new Uri($"/api/reports/{id}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotNull(response.Headers.RetryAfter);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("https://reports.example/problems/unavailable", problem.GetProperty("type").GetString());
        }
        finally
        {
            await system.Infrastructure.StartPostgresAsync();
            // Pooled connections of this process (the in-process API, the test's own) died with the server.
            system.ClearDatabasePools();
        }

        var done = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(3));
        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
    }

    [Fact]
    public async Task Completions_waiting_behind_a_batch_when_postgres_goes_down_fail_with_it_at_once_and_after_its_restart_the_group_commit_writes_again()
    {
        var store = new JobStore(system.Database, TimeProvider.System);
        var completions = new List<JobCompletion>();
        for (var i = 0; i < 4; i++)
        {
            var created = await store.CreateAsync(NoOpJobs.New("test-pg-restart-commits"), CancellationToken.None);
            var claim = await store.ClaimAsync(created.Job.Id, "restart-commits", TimeSpan.FromMinutes(10), CancellationToken.None);
            completions.Add(new JobCompletion(claim!, null, TimeSpan.FromDays(1)));
        }

        // The first batch goes to the database only once the server is down, so the others are queued behind it.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var serverDown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var commit = new GroupCommit<JobCompletion, bool>(
            async (batch, ct) =>
            {
                started.TrySetResult();
                await serverDown.Task;
                return await store.CompleteManyAsync(batch, ct);
            },
            TimeSpan.Zero, maxBatch: 2, RefusedStatements.Is, LostConnections.Is);
        var first = commit.WriteAsync(completions[0], CancellationToken.None);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var waiting = completions.Skip(1).Select(c => commit.WriteAsync(c, CancellationToken.None)).ToList();

        await system.Infrastructure.StopPostgresAsync();
        try
        {
            serverDown.SetResult();
            var lost = await Assert.ThrowsAnyAsync<NpgsqlException>(() => first);
            Assert.True(LostConnections.Is(lost), lost.ToString());
            foreach (var write in waiting)
            {
                Assert.Same(lost, await Assert.ThrowsAnyAsync<NpgsqlException>(() => write));
            }

            Assert.Equal(1, commit.Batches); // none of them met the dead server on its own
        }
        finally
        {
            await system.Infrastructure.StartPostgresAsync();
            system.ClearDatabasePools();
        }

        var again = await Task.WhenAll(completions.Select(c => commit.WriteAsync(c, CancellationToken.None))).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal([true, true, true, true], again);
    }
}
