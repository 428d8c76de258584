using System.Net;
using Npgsql;
using Reports.Core.Storage;
using Reports.Tests.Engine;
using Reports.Tests.Integration;

namespace Reports.Tests.Webhooks;

/// <summary>
/// How workers share the deliveries, against a database of its own with no worker running: concurrent claims never
/// hand out a delivery twice, a claimed delivery stays with its claimer for the lease, and an outcome is recorded only
/// by the claim that is current.
/// </summary>
[Collection(FaultGroup.Name)]
public sealed class DeliveryClaimTests(FaultSystem system)
{
    [Fact]
    public async Task Concurrent_claims_never_hand_out_the_same_delivery_twice_and_a_claim_holds_it_for_the_lease()
    {
        // A pool of its own: the collection's shared one may hold connections from before a PostgreSQL restart test.
        await using var database = NpgsqlDataSource.Create(system.Infrastructure.PostgresConnectionString);
        var ids = await InsertDueDeliveriesAsync(database, 40);
        var store = new WebhookDeliveryStore(database, TimeProvider.System);

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            var mine = new List<Guid>();
            while (await store.ClaimDueAsync(3, TimeSpan.FromDays(1), CancellationToken.None) is { Count: > 0 } claimed)
            {
                mine.AddRange(claimed.Select(d => d.Id));
            }

            return mine;
        }));

        var all = claims.SelectMany(c => c).Where(ids.Contains).ToList();
        Assert.Equal(ids.Count, all.Count);
        Assert.Equal(ids.Order(), all.Order());
        Assert.DoesNotContain(await store.ClaimDueAsync(100, TimeSpan.FromDays(1), CancellationToken.None), d => ids.Contains(d.Id));
    }

    [Fact]
    public async Task An_attempt_that_outlived_its_claim_records_nothing_even_after_the_delivery_gave_up_and_was_replayed()
    {
        await using var database = NpgsqlDataSource.Create(system.Infrastructure.PostgresConnectionString);
        var id = Assert.Single(await InsertDueDeliveriesAsync(database, 1));
        var store = new WebhookDeliveryStore(database, TimeProvider.System);

        // Worker A claims with a lease that is over at once (as if A froze mid-send); worker B claims it after.
        var late = await ClaimAsync(store, id, TimeSpan.FromMilliseconds(1));
        await Task.Delay(TimeSpan.FromMilliseconds(20));
        var current = await ClaimAsync(store, id, TimeSpan.FromDays(1));
        Assert.NotEqual(late.NextAttemptAt, current.NextAttemptAt);

        // B gives up for good, then an operator replays the delivery: A's late outcome must not land on either.
        Assert.True(await store.RecordFailedAsync(current, null, "refused", "refused", null, CancellationToken.None));
        Assert.False(await store.RecordDeliveredAsync(late, 200, CancellationToken.None));
        Assert.Equal(1, await store.ReplayFailedAsync(current.JobId, CancellationToken.None));
        Assert.False(await store.RecordDeliveredAsync(late, 200, CancellationToken.None));
        Assert.False(await store.RecordFailedAsync(current, 500, "http_status", "500", DateTimeOffset.UtcNow, CancellationToken.None));

        var replayed = Assert.Single(await store.ListAsync(current.JobId, CancellationToken.None), d => d.Id == id);
        Assert.Equal(("pending", 1, 1), (replayed.Status, replayed.Attempts, replayed.Replays));

        // The replay's own claim records as usual.
        var again = await ClaimAsync(store, id, TimeSpan.FromDays(1));
        Assert.True(await store.RecordDeliveredAsync(again, 204, CancellationToken.None));
        var delivered = Assert.Single(await store.ListAsync(current.JobId, CancellationToken.None), d => d.Id == id);
        Assert.Equal(("succeeded", 2, 204), (delivered.Status, delivered.Attempts, delivered.LastStatusCode));
    }

    private static async Task<Reports.Core.Webhooks.WebhookDelivery> ClaimAsync(WebhookDeliveryStore store, Guid id, TimeSpan lease)
    {
        var claimed = await store.ClaimDueAsync(100, lease, CancellationToken.None);
        return Assert.Single(claimed, d => d.Id == id);
    }

    private async Task<HashSet<Guid>> InsertDueDeliveriesAsync(NpgsqlDataSource database, int count)
    {
        using var client = await system.CreateClientAsync();
        var id = (await ReportsClient.CreateAsync(client, new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-02" } }))
            .GetProperty("id").GetString()!;
        using var cancel = await client.PostAsync(new Uri($"/api/reports/{id}/cancel", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);

        var ids = new HashSet<Guid>();
        for (var attempt = 1; attempt <= count; attempt++)
        {
            await using var command = database.CreateCommand("""
                INSERT INTO reports.webhook_deliveries (id, job_id, url, event, job_attempt, next_attempt_at)
                VALUES ($1, $2, 'http://127.0.0.1:9/', 'report.cancelled', $3, now() - interval '1 second')
                """);
            var delivery = Guid.NewGuid();
            command.Parameters.AddWithValue(delivery);
            command.Parameters.AddWithValue(Guid.Parse(id));
            command.Parameters.AddWithValue(attempt);
            await command.ExecuteNonQueryAsync();
            ids.Add(delivery);
        }

        return ids;
    }
}
