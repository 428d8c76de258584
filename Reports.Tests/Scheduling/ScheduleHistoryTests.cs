using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reports.Tests.Integration;

namespace Reports.Tests.Scheduling;

/// <summary>The change history of a schedule through the API, against the real database.</summary>
[Collection(IntegrationGroup.Name)]
public sealed class ScheduleHistoryTests(Infrastructure infrastructure)
{
    private static object Request(string name, string cron, bool paused = false) => new
    {
        name,
        type = "orders",
        parameters = new { from = "-1 month start", to = "-1 month end" },
        cron,
        timeZone = "Europe/Berlin",
        paused,
    };

    [Fact]
    public async Task Every_change_is_in_the_history_with_old_and_new_values_who_made_it_and_when()
    {
        var system = await infrastructure.SystemAsync();
        var owner = "history-" + Guid.NewGuid().ToString("N")[..12];
        using var client = await ApiClients.NewUserAsync(system.Api, owner);
        using var created = await client.PostAsJsonAsync(new Uri("/api/schedules", UriKind.Relative), Request("monthly", "0 6 1 * *"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        using var updated = await client.PutAsJsonAsync(new Uri($"/api/schedules/{id}", UriKind.Relative), Request("monthly at seven", "0 7 1 * *"));
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        using var paused = await client.PutAsJsonAsync(new Uri($"/api/schedules/{id}", UriKind.Relative), Request("monthly at seven", "0 7 1 * *", paused: true));
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        using var resumed = await client.PutAsJsonAsync(new Uri($"/api/schedules/{id}", UriKind.Relative), Request("monthly at seven", "0 7 1 * *"));
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        using var deleted = await client.DeleteAsync(new Uri($"/api/schedules/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        // Kept after the delete, newest first.
        var history = await client.GetFromJsonAsync<JsonElement>($"/api/schedules/{id}/history");
        var items = history.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["deleted", "resumed", "paused", "updated", "created"], items.Select(c => c.GetProperty("action").GetString()));
        Assert.All(items, c =>
        {
            Assert.Equal(owner, c.GetProperty("actor").GetString());
            Assert.Equal(JsonValueKind.String, c.GetProperty("actorKeyId").ValueKind);
            Assert.True(c.GetProperty("changedAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
        });

        var update = items[3].GetProperty("changes");
        Assert.Equal(["cron", "name"], update.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("0 6 1 * *", update.GetProperty("cron").GetProperty("old").GetString());
        Assert.Equal("0 7 1 * *", update.GetProperty("cron").GetProperty("new").GetString());
        Assert.Equal("monthly", update.GetProperty("name").GetProperty("old").GetString());
        Assert.Equal("monthly at seven", update.GetProperty("name").GetProperty("new").GetString());
        Assert.False(items[2].GetProperty("changes").GetProperty("paused").GetProperty("old").GetBoolean());
        Assert.True(items[2].GetProperty("changes").GetProperty("paused").GetProperty("new").GetBoolean());
        Assert.Equal("0 6 1 * *", items[4].GetProperty("changes").GetProperty("cron").GetProperty("new").GetString());
        Assert.Equal(JsonValueKind.Null, items[4].GetProperty("changes").GetProperty("cron").GetProperty("old").ValueKind);
    }

    [Fact]
    public async Task Another_owner_cannot_read_the_history_and_pages_follow_the_cursor()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        using var other = await system.CreateClientAsync();
        using var created = await client.PostAsJsonAsync(new Uri("/api/schedules", UriKind.Relative), Request("daily", "0 6 * * *"));
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        for (var hour = 7; hour <= 9; hour++)
        {
            using var updated = await client.PutAsJsonAsync(new Uri($"/api/schedules/{id}", UriKind.Relative), Request("daily", $"0 {hour} * * *"));
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        }

        using var foreign = await other.GetAsync(new Uri($"/api/schedules/{id}/history", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal("application/problem+json", foreign.Content.Headers.ContentType?.MediaType);
        using var missing = await client.GetAsync(new Uri($"/api/schedules/{Guid.NewGuid()}/history", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var badCursor = await client.GetAsync(new Uri($"/api/schedules/{id}/history?cursor=abc", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, badCursor.StatusCode);

        var first = await client.GetFromJsonAsync<JsonElement>($"/api/schedules/{id}/history?limit=3");
        var cursor = first.GetProperty("nextCursor").GetString();
        var second = await client.GetFromJsonAsync<JsonElement>($"/api/schedules/{id}/history?limit=3&cursor={cursor}");
        Assert.Equal(["updated", "updated", "updated"], first.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("action").GetString()));
        Assert.Equal(["created"], second.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("action").GetString()));

        // An admin reads any owner's history.
        using var admin = system.CreateAdminClient();
        var all = await admin.GetFromJsonAsync<JsonElement>($"/api/schedules/{id}/history");
        Assert.Equal(4, all.GetProperty("items").GetArrayLength());
        using var cleanup = await client.DeleteAsync(new Uri($"/api/schedules/{id}", UriKind.Relative));
    }
}
