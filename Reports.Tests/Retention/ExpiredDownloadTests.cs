using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Reports.Tests.Integration;

namespace Reports.Tests.Retention;

/// <summary>Downloads past a report's retention, against the real servers.</summary>
[Collection(IntegrationGroup.Name)]
public sealed class ExpiredDownloadTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task A_download_past_the_retention_is_410_gone_before_the_cleaner_has_marked_the_report_expired()
    {
        var system = await infrastructure.SystemAsync();
        var owner = "expired-download-" + Guid.NewGuid().ToString("N")[..12];
        using var client = await ApiClients.NewUserAsync(system.Api, owner);
        var job = Guid.NewGuid();
        await using (var database = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString))
        {
            // Succeeded, its retention over a moment ago: the cleaner has not come by yet. A lease on the expiry keeps
            // the collection's worker off it for the test's length.
            await using var insert = database.CreateCommand("""
                INSERT INTO reports.jobs (id, owner, report_type, format, parameters, parameters_hash, queue, status, max_attempts,
                                          blob_name, file_name, expires_at, expiry_claimed_until)
                VALUES ($1, $2, 'orders', 'csv', '{}', 'x', 'reports', 'succeeded', 1, $3, 'orders.csv', now() - interval '1 second',
                        now() + interval '1 hour')
                """);
            insert.Parameters.AddWithValue(job);
            insert.Parameters.AddWithValue(owner);
            insert.Parameters.AddWithValue($"{job:N}.csv");
            await insert.ExecuteNonQueryAsync();
        }

        using var response = await client.GetAsync(new Uri($"/api/reports/{job}/download", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("https://reports.example/problems/gone", problem.GetProperty("type").GetString());
        Assert.Equal(410, problem.GetProperty("status").GetInt32());
    }
}
