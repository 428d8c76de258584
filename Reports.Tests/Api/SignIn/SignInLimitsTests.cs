using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Reports.Tests.Events;
using Reports.Tests.Integration;

namespace Reports.Tests.Api.SignIn;

/// <summary>
/// What is counted per owner counts a token's owner exactly as a key's: the active-job quota, Idempotency-Keys and live
/// progress streams, shared by all tokens of one owner and apart from other owners and from the key owner of the same
/// name. The API writes to a database of its own that no worker serves, so every accepted report stays unfinished.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class SignInLimitsTests(Infrastructure infrastructure)
{
    private const int Quota = 2;
    private static readonly object SmallReport = new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-02" } };

    [Fact]
    public async Task The_active_job_quota_counts_all_tokens_of_an_owner_together_and_other_owners_apart()
    {
        await using var issuer = await LocalIssuer.StartAsync();
        await using var api = await ApiAsync(issuer);
        var name = NewSubject();
        using var rsa = Client(api, issuer.Token(name));
        using var ec = Client(api, issuer.Token(name, issuer.EcKey));
        using var other = Client(api, issuer.Token(NewSubject()));
        using var sameNameKey = await ApiClients.NewUserAsync(api, name);

        using var first = await PostAsync(rsa);
        using var second = await PostAsync(ec);
        using var overQuota = await PostAsync(rsa);
        using var overQuotaOtherToken = await PostAsync(ec);
        using var otherOwner = await PostAsync(other);
        using var keyOwner = await PostAsync(sameNameKey);

        Assert.Equal(
            [HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests, HttpStatusCode.Accepted, HttpStatusCode.Accepted],
            new[] { first, second, overQuota, overQuotaOtherToken, otherOwner, keyOwner }.Select(r => r.StatusCode));
        foreach (var refused in new[] { overQuota, overQuotaOtherToken })
        {
            Assert.Equal("https://reports.example/problems/concurrent-job-quota",
                (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
        }
    }

    [Fact]
    public async Task An_idempotency_key_is_the_owners_own_for_tokens_as_for_keys()
    {
        await using var issuer = await LocalIssuer.StartAsync();
        await using var api = await ApiAsync(issuer);
        var name = NewSubject();
        using var owner = Client(api, issuer.Token(name));
        using var sameOwnerOtherToken = Client(api, issuer.Token(name, issuer.EcKey));
        using var other = Client(api, issuer.Token(NewSubject()));
        using var sameNameKey = await ApiClients.NewUserAsync(api, name);
        const string idempotencyKey = "the-same-key";

        using var created = await PostAsync(owner, idempotencyKey);
        using var replayed = await PostAsync(sameOwnerOtherToken, idempotencyKey);
        using var otherOwners = await PostAsync(other, idempotencyKey);
        using var keyOwners = await PostAsync(sameNameKey, idempotencyKey);

        var ids = new List<string>();
        foreach (var response in new[] { created, replayed, otherOwners, keyOwners })
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        }

        Assert.Equal(ids[0], ids[1]);
        Assert.Equal("true", replayed.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(3, ids.Distinct(StringComparer.Ordinal).Count()); // another owner's key of the same text makes their own report
        Assert.False(otherOwners.Headers.Contains("Idempotent-Replayed") && otherOwners.Headers.GetValues("Idempotent-Replayed").Single() == "true");
        Assert.False(keyOwners.Headers.Contains("Idempotent-Replayed") && keyOwners.Headers.GetValues("Idempotent-Replayed").Single() == "true");
    }

    [Fact]
    public async Task Live_progress_streams_are_counted_per_owner_across_its_tokens()
    {
        await using var issuer = await LocalIssuer.StartAsync();
        await using var api = await ApiAsync(issuer, ("Reports:Api:MaxEventStreamsPerOwner", "1"));
        var name = NewSubject();
        using var owner = Client(api, issuer.Token(name));
        using var sameOwnerOtherToken = Client(api, issuer.Token(name, issuer.EcKey));
        using var other = Client(api, issuer.Token(NewSubject()));
        var mine = (await ReportsClient.CreateAsync(owner, SmallReport)).GetProperty("id").GetString()!;
        var theirs = (await ReportsClient.CreateAsync(other, SmallReport)).GetProperty("id").GetString()!;

        using var open = await ReportStreams.OpenAsync(owner, mine);
        using var secondOfOwner = await ReportStreams.OpenAsync(sameOwnerOtherToken, mine);
        using var otherOwners = await ReportStreams.OpenAsync(other, theirs);

        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, secondOfOwner.StatusCode);
        Assert.Equal("Too many live progress streams.", (await secondOfOwner.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.OK, otherOwners.StatusCode);
    }

    private async Task<WebApplicationFactory<Reports.Api.ApiMarker>> ApiAsync(LocalIssuer issuer, params (string Key, string Value)[] more)
    {
        await infrastructure.SystemAsync();
        var database = await IsolatedDatabase.CreateAsync(infrastructure);
        return new WebApplicationFactory<Reports.Api.ApiMarker>().WithWebHostBuilder(builder =>
        {
            TestSettings.Apply(builder, infrastructure, "sign-in-limits-api");
            builder.UseSetting("ConnectionStrings:reportsdb", database);
            builder.UseSetting("Reports:Api:MaxActiveJobsPerOwner", Quota.ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("Reports:Auth:Jwt:Authority", issuer.Issuer);
            builder.UseSetting("Reports:Auth:Jwt:RequireHttpsMetadata", "false");
            builder.UseSetting("Reports:Auth:Jwt:Audience", LocalIssuer.Audience);
            foreach (var (key, value) in more)
            {
                builder.UseSetting(key, value);
            }
        });
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/reports", UriKind.Relative)) { Content = JsonContent.Create(SmallReport) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await client.SendAsync(request);
    }

    private static HttpClient Client(WebApplicationFactory<Reports.Api.ApiMarker> api, string token)
    {
        var client = api.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static string NewSubject() => "lim-" + Guid.NewGuid().ToString("N")[..12];
}
