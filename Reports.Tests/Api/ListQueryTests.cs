using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Reports.Tests.Integration;

namespace Reports.Tests.Api;

/// <summary>
/// Query values of the lists that PostgreSQL or .NET would refuse: instants with any offset (or none) are filters, and
/// cursors out of range are 400 problems, never 500s.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class ListQueryTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task CreatedAfter_with_any_offset_or_none_filters_by_the_instant_it_names()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        var created = await ReportsClient.CreateAsync(client, new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-02" } });
        var id = created.GetProperty("id").GetString();
        var createdAt = created.GetProperty("createdAt").GetDateTimeOffset();

        // The same instants written with other offsets, and without one (taken as UTC).
        var anHourBefore = createdAt.AddHours(-1);
        var anHourAfter = createdAt.AddHours(1);
        string[] before =
        [
            anHourBefore.ToOffset(TimeSpan.FromHours(5.5)).ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture),
            anHourBefore.ToOffset(TimeSpan.FromHours(-8)).ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture),
            anHourBefore.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture),
        ];
        foreach (var after in before)
        {
            Assert.Contains(id, await ListIdsAsync(client, "createdAfter=" + Uri.EscapeDataString(after)));
        }

        var later = anHourAfter.ToOffset(TimeSpan.FromHours(-3)).ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
        Assert.DoesNotContain(id, await ListIdsAsync(client, "createdAfter=" + Uri.EscapeDataString(later)));
        var laterUnspecified = anHourAfter.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture);
        Assert.DoesNotContain(id, await ListIdsAsync(client, "createdAfter=" + Uri.EscapeDataString(laterUnspecified)));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("-9223372036854775808")]
    [InlineData("3155378976000000000")] // one tick past DateTimeOffset.MaxValue
    [InlineData("9223372036854775807")]
    public async Task A_cursor_whose_instant_is_out_of_range_is_a_400_problem(string ticks)
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        using var admin = system.CreateAdminClient();
        var cursor = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ticks}:{Guid.NewGuid():N}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        foreach (var (http, path) in new[] { (client, "/api/reports"), (admin, "/api/admin/dead-letters") })
        {
            using var response = await http.GetAsync($"{path}?cursor={cursor}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.True(problem.GetProperty("errors").TryGetProperty("cursor", out _), problem.ToString());
        }
    }

    private static async Task<List<string?>> ListIdsAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync("/api/reports?limit=200&" + query);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{query}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var page = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetString())];
    }
}
