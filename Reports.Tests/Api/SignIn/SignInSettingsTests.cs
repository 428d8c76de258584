using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Reports.Api.Auth;
using Reports.LocalServers;
using Reports.Tests.Integration;

namespace Reports.Tests.Api.SignIn;

/// <summary>
/// Sign-in settings checked at start, the bound on reading the provider's keys, and a provider that cannot be reached:
/// in-process APIs on the collection's servers, each with settings of its own.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class SignInSettingsTests(Infrastructure infrastructure)
{
    [Theory]
    [InlineData("https://login.example/tenant", null, null, "Reports:Auth:Jwt:Audience is required")]
    [InlineData("http://login.example/tenant", "api://reports", null, "Reports:Auth:Jwt:Authority must use https")]
    [InlineData("http://login.example/tenant", "api://reports", "false", "Reports:Auth:Jwt:RequireHttpsMetadata=false is allowed only for a provider on a loopback address")]
    [InlineData("not a url", "api://reports", null, "Reports:Auth:Jwt:Authority must be an absolute http(s) URL")]
    [InlineData(null, "api://reports", null, "neither Reports:Auth:Jwt:Authority nor Reports:Auth:Jwt:MetadataAddress")]
    public async Task A_wrong_sign_in_setting_stops_the_api_at_start_naming_it(string? authority, string? audience, string? requireHttps, string message)
    {
        await infrastructure.SystemAsync(); // migrated
        (string Key, string? Value)[] settings =
            [("Reports:Auth:Jwt:Authority", authority), ("Reports:Auth:Jwt:Audience", audience), ("Reports:Auth:Jwt:RequireHttpsMetadata", requireHttps)];
        await using var api = Api(settings);

        // The host refuses to start; the message is the options' own, checked on the same rules the host applies
        // (a failed start of an in-process host surfaces as its validation error or, racing its disposal, as another).
        Assert.ThrowsAny<Exception>(() => api.CreateClient());
        var options = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Where(s => s.Value is not null).Select(s => KeyValuePair.Create(s.Key, s.Value)))
            .Build().GetSection(JwtOptions.SectionName).Get<JwtOptions>() ?? new JwtOptions();
        var results = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.Contains(results, r => r.ErrorMessage!.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tokens_with_made_up_key_ids_make_the_api_read_the_keys_at_most_once_per_interval()
    {
        await infrastructure.SystemAsync();
        await using var issuer = await LocalIssuer.StartAsync();
        await using var api = Api(("Reports:Auth:Jwt:Authority", issuer.Issuer), ("Reports:Auth:Jwt:Audience", LocalIssuer.Audience),
            ("Reports:Auth:Jwt:RequireHttpsMetadata", "false"), ("Reports:Auth:Jwt:KeysMinRefreshInterval", "01:00:00"));
        using var valid = Client(api, issuer.Token("refresh-" + Guid.NewGuid().ToString("N")[..8]));
        using (var first = await valid.GetAsync(new Uri("/api/reports", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var readsBefore = issuer.JwksReads;
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            using var forged = Client(api, issuer.Token("refresh-x", SigningKey.Rsa($"made-up-{i}")));
            using var response = await forged.GetAsync(new Uri("/api/reports", UriKind.Relative));
            statuses.Add(response.StatusCode);
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.InRange(issuer.JwksReads - readsBefore, 0, 1);
        Assert.True(readsBefore >= 1, "The API never read the keys.");
    }

    [Fact]
    public async Task A_provider_that_cannot_be_reached_is_503_with_retry_after_not_a_401()
    {
        await infrastructure.SystemAsync();
        await using var issuer = await LocalIssuer.StartAsync(); // only signs: the API is told another address
        await using var api = Api(("Reports:Auth:Jwt:Authority", $"http://127.0.0.1:{FreePort.Next()}"), ("Reports:Auth:Jwt:Audience", LocalIssuer.Audience),
            ("Reports:Auth:Jwt:RequireHttpsMetadata", "false"));
        using var client = Client(api, issuer.Token("unreachable-" + Guid.NewGuid().ToString("N")[..8]));

        using var response = await client.GetAsync(new Uri("/api/reports", UriKind.Relative));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"Expected 503, got {(int)response.StatusCode}: {body}");
        Assert.Equal("https://reports.example/problems/unavailable", JsonDocument.Parse(body).RootElement.GetProperty("type").GetString());
        Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
        Assert.DoesNotContain("IDX", body, StringComparison.Ordinal);
    }

    private WebApplicationFactory<Reports.Api.ApiMarker> Api(params (string Key, string? Value)[] settings) =>
        new WebApplicationFactory<Reports.Api.ApiMarker>().WithWebHostBuilder(b =>
        {
            TestSettings.Apply(b, infrastructure, "sign-in-settings-api");
            foreach (var (key, value) in settings)
            {
                if (value is not null)
                {
                    b.UseSetting(key, value);
                }
            }
        });

    private static HttpClient Client(WebApplicationFactory<Reports.Api.ApiMarker> api, string token)
    {
        var client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
