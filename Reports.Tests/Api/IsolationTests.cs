using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reports.Tests.Integration;

namespace Reports.Tests.Api;

[Collection(IntegrationGroup.Name)]
public sealed class IsolationTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task Another_owners_report_is_404_on_read_cancel_and_download_exactly_like_a_missing_one()
    {
        var system = await infrastructure.SystemAsync();
        using var alice = await system.CreateClientAsync();
        using var mallory = await system.CreateClientAsync();
        var id = (await ReportsClient.CreateAsync(alice, new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-05" } }))
            .GetProperty("id").GetString()!;
        await ReportsClient.WaitForFinalAsync(alice, id, TimeSpan.FromMinutes(2));

        foreach (var (method, path) in new[] { ("GET", ""), ("POST", "/cancel"), ("GET", "/download") })
        {
            using var theirs = await mallory.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/api/reports/{id}{path}"));
            using var missing = await mallory.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/api/reports/{Guid.NewGuid()}{path}"));
            Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
            Assert.Equal(missing.StatusCode, theirs.StatusCode);
            Assert.Equal(
                (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString(),
                (await theirs.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        }

        using var own = await alice.GetAsync(new Uri($"/api/reports/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Fact]
    public async Task The_list_shows_only_the_callers_reports_newest_first_in_pages_with_filters()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        using var other = await system.CreateClientAsync();
        await ReportsClient.CreateAsync(other, new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-02" } });
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await ReportsClient.CreateAsync(client, new { type = "orders", parameters = new { from = "2024-01-01", to = $"2024-01-0{i + 2}" } }))
                .GetProperty("id").GetString()!);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await client.GetFromJsonAsync<JsonElement>($"/api/reports?limit=2&type=orders{(cursor is null ? "" : "&cursor=" + cursor)}");
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(Enumerable.Reverse(ids), seen);
        var none = await client.GetFromJsonAsync<JsonElement>("/api/reports?type=daily-sales");
        Assert.Empty(none.GetProperty("items").EnumerateArray());
    }
}
