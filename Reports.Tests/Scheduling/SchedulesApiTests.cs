using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reports.Tests.Integration;

namespace Reports.Tests.Scheduling;

[Collection(IntegrationGroup.Name)]
public sealed class SchedulesApiTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task A_schedule_every_second_makes_reports_that_link_back_to_it_one_per_fire_time()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        using var created = await client.PostAsJsonAsync(new Uri("/api/schedules", UriKind.Relative), new
        {
            name = "every second",
            type = "orders",
            parameters = new { from = "-3 days", to = "yesterday" },
            cron = "* * * * * *",
            timeZone = "Europe/Berlin",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var schedule = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = schedule.GetProperty("id").GetString()!;
        Assert.Equal(5, schedule.GetProperty("nextFireTimes").GetArrayLength());

        JsonElement page = default;
        var until = DateTime.UtcNow.AddMinutes(1);
        while (DateTime.UtcNow < until)
        {
            page = await client.GetFromJsonAsync<JsonElement>($"/api/reports?scheduleId={id}&limit=200");
            if (page.GetProperty("items").GetArrayLength() >= 3)
            {
                break;
            }

            await Task.Delay(200);
        }

        using var deleted = await client.DeleteAsync(new Uri($"/api/schedules/{id}", UriKind.Relative));
        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.True(items.Count >= 3, $"only {items.Count} scheduled reports");
        Assert.All(items, r => Assert.Equal(id, r.GetProperty("schedule").GetProperty("id").GetString()));
        var fireTimes = items.Select(r => r.GetProperty("schedule").GetProperty("fireTime").GetDateTimeOffset()).ToList();
        Assert.Equal(fireTimes.Count, fireTimes.Distinct().Count());
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    [Fact]
    public async Task A_bad_schedule_names_each_wrong_field_and_another_owner_sees_404()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        using var other = await system.CreateClientAsync();

        using var bad = await client.PostAsJsonAsync(new Uri("/api/schedules", UriKind.Relative), new
        {
            name = "bad",
            type = "orders",
            parameters = new { from = "last tuesday", to = "yesterday" },
            cron = "every monday",
            timeZone = "Nowhere/Land",
            missedPolicy = "burst",
            emailRecipients = new[] { "not-an-address" },
        });
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();
        using var good = await client.PostAsJsonAsync(new Uri("/api/schedules", UriKind.Relative), new
        {
            name = "monthly",
            type = "orders",
            parameters = new { from = "-1 month start", to = "-1 month end" },
            cron = "0 6 1 * *",
            timeZone = "UTC",
            paused = true,
        });
        var id = (await good.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        using var theirs = await other.GetAsync(new Uri($"/api/schedules/{id}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "cron", "timeZone", "missedPolicy", "emailRecipients" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
        }

        Assert.Equal(HttpStatusCode.Created, good.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
    }
}
