using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reports.Tests.Integration;

namespace Reports.Tests.Replays;

/// <summary>Bad replay filters and unknown replays answer problem documents (RFC 9457), never a 500.</summary>
[Collection(IntegrationGroup.Name)]
public sealed class ReplayProblemTests(Infrastructure infrastructure)
{
    public static TheoryData<string, string, string> BadFilters => new()
    {
        { "/api/admin/dead-letters/replays", """{"queue":"nightly"}""", "queue" },
        { "/api/admin/dead-letters/replays/preview", """{"queue":"nightly"}""", "queue" },
        { "/api/admin/dead-letters/replays", """{"from":"2026-03-02T00:00:00Z","to":"2026-03-01T00:00:00Z"}""", "to" },
        { "/api/admin/dead-letters/replays", """{"owner":"nobody-has-this-owner-7f3a","errorCode":"none"}""", "filter" },
        { "/api/admin/dead-letters/replays", """{"owner":""}""", "owner" },
        { "/api/admin/webhook-deliveries/replays", """{"from":"2026-03-02T00:00:00Z","to":"2026-03-02T00:00:00Z"}""", "to" },
        { "/api/admin/webhook-deliveries/replays", """{"url":"not a url"}""", "url" },
        { "/api/admin/webhook-deliveries/replays", """{"host":"nowhere.example.test","errorCode":"none"}""", "filter" },
    };

    [Theory]
    [MemberData(nameof(BadFilters))]
    public async Task A_bad_or_empty_filter_is_a_validation_problem_naming_the_field(string path, string body, string field)
    {
        var system = await infrastructure.SystemAsync();
        using var admin = system.CreateAdminClient();

        using var response = await admin.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("https://reports.example/problems/validation", problem.GetProperty("type").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("GET", "/items")]
    [InlineData("POST", "/pause")]
    [InlineData("POST", "/resume")]
    [InlineData("POST", "/cancel")]
    public async Task An_unknown_replay_is_404(string method, string suffix)
    {
        var system = await infrastructure.SystemAsync();
        using var admin = system.CreateAdminClient();

        using var response = await admin.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/api/admin/replays/{Guid.NewGuid()}{suffix}"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=1001", "limit")]
    [InlineData("?after=-1", "after")]
    [InlineData("?outcome=lost", "outcome")]
    public async Task A_bad_members_query_is_a_validation_problem_naming_the_field(string query, string field)
    {
        var system = await infrastructure.SystemAsync();
        using var admin = system.CreateAdminClient();

        using var response = await admin.GetAsync(new Uri($"/api/admin/replays/{Guid.NewGuid()}/items{query}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task A_user_key_cannot_replay()
    {
        var system = await infrastructure.SystemAsync();
        using var user = await system.CreateClientAsync();

        using var response = await user.PostAsJsonAsync(new Uri("/api/admin/dead-letters/replays", UriKind.Relative), new { });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task An_empty_preview_is_a_count_of_zero_not_a_problem()
    {
        var system = await infrastructure.SystemAsync();
        using var admin = system.CreateAdminClient();

        var preview = await (await admin.PostAsJsonAsync(new Uri("/api/admin/dead-letters/replays/preview", UriKind.Relative),
            new { owner = "nobody-" + Guid.NewGuid().ToString("N") })).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(0, preview.GetProperty("count").GetInt32());
        Assert.False(preview.GetProperty("countCapped").GetBoolean());
        Assert.Empty(preview.GetProperty("sample").EnumerateArray());
    }
}
