using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using Reports.Tests.Engine;
using Reports.Tests.Integration;

namespace Reports.Tests.Scheduling;

/// <summary>
/// Replacing a schedule through the API against the real database: the minimum interval after its last fire, a
/// concurrent delete, and the owner's rate of creates.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class ScheduleReplaceTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task A_replace_never_brings_the_next_fire_closer_than_the_minimum_interval_after_the_last_one()
    {
        await using var api = await ApiAsync(("Reports:Schedules:MinInterval", "01:00:00"));
        using var client = await ApiClients.NewUserAsync(api);
        var id = await CreateAsync(client, "0 * * * *");

        // It fired a minute ago; the replacement's cron would fire again within about ten minutes.
        var lastFire = DateTimeOffset.UtcNow.AddMinutes(-1);
        await ExecuteAsync("UPDATE reports.schedules SET last_fire_at = $2 WHERE id = $1", id, lastFire);
        var minute = DateTimeOffset.UtcNow.AddMinutes(10).Minute;
        using var replaced = await client.PutAsJsonAsync(new Uri($"/api/schedules/{id}", UriKind.Relative),
            Schedule(string.Create(CultureInfo.InvariantCulture, $"{minute} * * * *")));

        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var next = await NextFireAtAsync(id);
        Assert.True(next >= lastFire.AddHours(1), $"next fire {next:O} is less than an hour after the last one, {lastFire:O}");
        Assert.Equal(minute, next.Minute);
    }

    [Fact]
    public async Task A_replace_racing_a_delete_is_a_404_and_does_not_bring_the_schedule_back()
    {
        await using var api = await ApiAsync();
        using var client = await ApiClients.NewUserAsync(api);
        var id = await CreateAsync(client, "0 6 * * *");

        // The delete holds the row until the replace has read the schedule and waits on it, then commits.
        await using var database = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        await using var connection = await database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var delete = new NpgsqlCommand("DELETE FROM reports.schedules WHERE id = $1", connection, transaction))
        {
            delete.Parameters.AddWithValue(id);
            Assert.Equal(1, await delete.ExecuteNonQueryAsync());
        }

        var replace = client.PutAsJsonAsync(new Uri($"/api/schedules/{id}", UriKind.Relative), Schedule("0 7 * * *"));
        await FaultSystem.EventuallyAsync(async () =>
        {
            await using var waiting = database.CreateCommand("""
                SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%reports.schedules%' AND pid <> pg_backend_pid()
                """);
            return (long)(await waiting.ExecuteScalarAsync())! > 0;
        }, "the replace waits on the deleted row");
        await transaction.CommitAsync();
        using var response = await replace;

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var get = await client.GetAsync(new Uri($"/api/schedules/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Schedule_creates_and_replaces_count_in_the_owners_creates_per_minute()
    {
        await using var api = await ApiAsync(("Reports:Api:CreatesPerMinute", "3"));
        using var client = await ApiClients.NewUserAsync(api);

        var id = await CreateAsync(client, "0 6 * * *");
        using var replaced = await client.PutAsJsonAsync(new Uri($"/api/schedules/{id}", UriKind.Relative), Schedule("0 7 * * *"));
        using var report = await client.PostAsJsonAsync(new Uri("/api/reports", UriKind.Relative),
            new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-02" } });
        using var overCreate = await client.PostAsJsonAsync(new Uri("/api/schedules", UriKind.Relative), Schedule("0 8 * * *"));
        using var overReplace = await client.PutAsJsonAsync(new Uri($"/api/schedules/{id}", UriKind.Relative), Schedule("0 9 * * *"));

        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, report.StatusCode);
        foreach (var limited in new[] { overCreate, overReplace })
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.NotNull(limited.Headers.RetryAfter);
            var problem = await limited.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("https://reports.example/problems/rate-limited", problem.GetProperty("type").GetString());
        }
    }

    private static object Schedule(string cron) => new
    {
        name = "replace",
        type = "orders",
        parameters = new { from = "-1 month start", to = "-1 month end" },
        cron,
        timeZone = "UTC",
    };

    private static async Task<Guid> CreateAsync(HttpClient client, string cron)
    {
        using var created = await client.PostAsJsonAsync(new Uri("/api/schedules", UriKind.Relative), Schedule(cron));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private async Task ExecuteAsync(string sql, params object[] values)
    {
        await using var database = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        await using var command = database.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.AddWithValue(value);
        }

        await command.ExecuteNonQueryAsync();
    }

    private async Task<DateTimeOffset> NextFireAtAsync(Guid id)
    {
        await using var database = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        await using var command = database.CreateCommand("SELECT next_fire_at FROM reports.schedules WHERE id = $1");
        command.Parameters.AddWithValue(id);
        return new DateTimeOffset((DateTime)(await command.ExecuteScalarAsync())!, TimeSpan.Zero);
    }

    private async Task<WebApplicationFactory<Reports.Api.ApiMarker>> ApiAsync(params (string Key, string Value)[] settings)
    {
        await infrastructure.SystemAsync();
        return new WebApplicationFactory<Reports.Api.ApiMarker>().WithWebHostBuilder(builder =>
        {
            TestSettings.Apply(builder, infrastructure, "schedule-replace-api");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        });
    }
}
