using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Reports.Tests.Integration;

namespace Reports.Tests.Scheduling;

/// <summary>The limits a user key meets when it makes schedules: the minimum interval and the cap per owner.</summary>
[Collection(IntegrationGroup.Name)]
public sealed class ScheduleLimitsApiTests(Infrastructure infrastructure)
{
    private const int MaxPerOwner = 3;

    [Theory]
    [InlineData("* * * * * *")]        // every second
    [InlineData("*/30 * * * * *")]     // every 30 s
    [InlineData("0,59 * * * * *")]     // :59, then a second later the next minute's :00
    public async Task A_cron_firing_more_often_than_the_minimum_interval_is_a_400_on_cron_on_create_and_replace(string cron)
    {
        await using var api = await ApiAsync();
        using var client = await ApiClients.NewUserAsync(api);
        using var accepted = await client.PostAsJsonAsync(new Uri("/api/schedules", UriKind.Relative), Schedule("* * * * *"));
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        using var created = await client.PostAsJsonAsync(new Uri("/api/schedules", UriKind.Relative), Schedule(cron));
        using var replaced = await client.PutAsJsonAsync(new Uri($"/api/schedules/{id}", UriKind.Relative), Schedule(cron));

        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode); // every minute is exactly the minimum
        foreach (var refused in new[] { created, replaced })
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("https://reports.example/problems/validation", problem.GetProperty("type").GetString());
            Assert.Contains("minimum interval", problem.GetProperty("errors").GetProperty("cron")[0].GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Concurrent_creates_stop_at_the_cap_per_owner_with_a_409_problem()
    {
        await using var api = await ApiAsync();
        using var client = await ApiClients.NewUserAsync(api);

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(async _ =>
        {
            using var response = await client.PostAsJsonAsync(new Uri("/api/schedules", UriKind.Relative), Schedule("0 6 * * *"));
            return (response.StatusCode, Problem: response.IsSuccessStatusCode ? default : await response.Content.ReadFromJsonAsync<JsonElement>());
        }));
        var list = await client.GetFromJsonAsync<JsonElement>("/api/schedules");

        Assert.Equal(MaxPerOwner, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r =>
        {
            Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
            Assert.Equal("https://reports.example/problems/schedule-quota", r.Problem.GetProperty("type").GetString());
        });
        Assert.Equal(MaxPerOwner, list.GetArrayLength());
    }

    private static object Schedule(string cron) => new
    {
        name = "limits",
        type = "orders",
        parameters = new { from = "-1 month start", to = "-1 month end" },
        cron,
        timeZone = "UTC",
        paused = true,
    };

    private async Task<WebApplicationFactory<Reports.Api.ApiMarker>> ApiAsync()
    {
        await infrastructure.SystemAsync();
        return new WebApplicationFactory<Reports.Api.ApiMarker>().WithWebHostBuilder(builder =>
        {
            TestSettings.Apply(builder, infrastructure, "schedule-limits-api");
            builder.UseSetting("Reports:Schedules:MinInterval", "00:01:00");
            builder.UseSetting("Reports:Schedules:MaxPerOwner", MaxPerOwner.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });
    }
}
