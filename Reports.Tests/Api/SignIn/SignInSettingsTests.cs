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
    [InlineData("https://login.example/tenant", "api://reports", null, "Reports:Auth:Jwt:OwnerPrefix must have 1 to 32 letters", "OwnerPrefix", "")]
    [InlineData("https://login.example/tenant", "api://reports", null, "Reports:Auth:Jwt:OwnerPrefix must have 1 to 32 letters", "OwnerPrefix", "entra:")]
    [InlineData(null, null, null, "Reports:Auth:Jwt:OwnerPrefix must have 1 to 32 letters", "OwnerPrefix", "idp~")]
    [InlineData("https://login.example/tenant", "api://reports", null, "Reports:Auth:Jwt:OwnerClaim 'email' can change or pass to another person", "OwnerClaim", "email")]
    [InlineData("https://login.example/tenant", "api://reports", null, "Reports:Auth:Jwt:OwnerClaim 'preferred_username' can change or pass to another person", "OwnerClaim", "preferred_username")]
    [InlineData("https://login.example/tenant", "api://reports", null, "Reports:Auth:Jwt:OwnerClaim 'upn' can change or pass to another person", "OwnerClaim", "upn")]
    [InlineData("https://login.example/tenant", "api://reports", null, "Reports:Auth:Jwt:KeysStartTimeout must be between", "KeysStartTimeout", "00:10:00")]
    public async Task A_wrong_sign_in_setting_stops_the_api_at_start_naming_it(
        string? authority, string? audience, string? requireHttps, string message, string? other = null, string? otherValue = null)
    {
        await infrastructure.SystemAsync(); // migrated
        (string Key, string? Value)[] settings =
        [
            ("Reports:Auth:Jwt:Authority", authority), ("Reports:Auth:Jwt:Audience", audience), ("Reports:Auth:Jwt:RequireHttpsMetadata", requireHttps),
            ("Reports:Auth:Jwt:" + (other ?? "Issuer"), otherValue),
        ];
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
    public async Task A_mutable_owner_claim_is_accepted_when_explicitly_allowed()
    {
        await infrastructure.SystemAsync();
        await using var issuer = await LocalIssuer.StartAsync();
        var email = "alice." + Guid.NewGuid().ToString("N")[..8] + "@example.com";
        await using var api = Api(("Reports:Auth:Jwt:Authority", issuer.Issuer), ("Reports:Auth:Jwt:Audience", LocalIssuer.Audience),
            ("Reports:Auth:Jwt:RequireHttpsMetadata", "false"), ("Reports:Auth:Jwt:OwnerClaim", "email"), ("Reports:Auth:Jwt:AllowMutableOwnerClaim", "true"));
        using var client = Client(api, issuer.Token("subject-unused", change: t => t.Claims["email"] = email));

        using var response = await client.GetAsync(new Uri("/api/account/webhook-secret", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task An_owner_claim_with_several_values_is_401_naming_the_claim()
    {
        await infrastructure.SystemAsync();
        await using var issuer = await LocalIssuer.StartAsync();
        await using var api = Api(("Reports:Auth:Jwt:Authority", issuer.Issuer), ("Reports:Auth:Jwt:Audience", LocalIssuer.Audience),
            ("Reports:Auth:Jwt:RequireHttpsMetadata", "false"), ("Reports:Auth:Jwt:OwnerClaim", "oid"));
        using var two = Client(api, issuer.Token("s", change: t => t.Claims["oid"] = new[] { "alice", "bob" }));
        using var one = Client(api, issuer.Token("s", change: t => t.Claims["oid"] = "alice-" + Guid.NewGuid().ToString("N")[..8]));

        using var refused = await two.GetAsync(new Uri("/api/reports", UriKind.Relative));
        using var accepted = await one.GetAsync(new Uri("/api/reports", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("The token's 'oid' claim has several values; exactly one names its owner.",
            JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Theory]
    [InlineData("[\"reports-reader\",\"reports-admin\"]", true)]
    [InlineData("\"reports-reader reports-admin\"", true)]
    [InlineData("[\"reports-reader\"]", false)]
    [InlineData("{\"reports-admin\":true}", false)]
    public async Task Roles_at_a_path_inside_a_json_claim_as_keycloak_puts_them_make_an_admin(string rolesJson, bool admin)
    {
        await infrastructure.SystemAsync();
        await using var issuer = await LocalIssuer.StartAsync();
        await using var api = Api(("Reports:Auth:Jwt:Authority", issuer.Issuer), ("Reports:Auth:Jwt:Audience", LocalIssuer.Audience),
            ("Reports:Auth:Jwt:RequireHttpsMetadata", "false"), ("Reports:Auth:Jwt:RoleClaim", "realm_access.roles"),
            ("Reports:Auth:Jwt:AdminRole", LocalIssuer.AdminRole));
        var realmAccess = JsonDocument.Parse("{\"roles\":" + rolesJson + "}").RootElement.Clone();
        using var client = Client(api, issuer.Token("kc-" + Guid.NewGuid().ToString("N")[..8], change: t => t.Claims["realm_access"] = realmAccess));

        using var response = await client.GetAsync(new Uri("/api/admin/api-keys", UriKind.Relative));

        Assert.Equal(admin ? HttpStatusCode.OK : HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task A_string_claim_whose_text_is_json_is_no_path_to_roles()
    {
        await infrastructure.SystemAsync();
        await using var issuer = await LocalIssuer.StartAsync();
        await using var api = Api(("Reports:Auth:Jwt:Authority", issuer.Issuer), ("Reports:Auth:Jwt:Audience", LocalIssuer.Audience),
            ("Reports:Auth:Jwt:RequireHttpsMetadata", "false"), ("Reports:Auth:Jwt:RoleClaim", "realm_access.roles"),
            ("Reports:Auth:Jwt:AdminRole", LocalIssuer.AdminRole));
        var subject = "kc-" + Guid.NewGuid().ToString("N")[..8];
        using var text = Client(api, issuer.Token(subject, change: t => t.Claims["realm_access"] = "{\"roles\":[\"" + LocalIssuer.AdminRole + "\"]}"));
        using var json = Client(api, issuer.Token(subject, change: t => t.Claims["realm_access"] =
            JsonDocument.Parse("{\"roles\":[\"" + LocalIssuer.AdminRole + "\"]}").RootElement.Clone()));

        using var refused = await text.GetAsync(new Uri("/api/admin/api-keys", UriKind.Relative));
        using var accepted = await json.GetAsync(new Uri("/api/admin/api-keys", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
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

        // The first unknown key id makes the API read the keys once (in the background, on a later request): wait for it.
        await Poll.UntilAsync(async () =>
        {
            using var forged = Client(api, issuer.Token("refresh-x", SigningKey.Rsa("made-up-again")));
            using var response = await forged.GetAsync(new Uri("/api/reports", UriKind.Relative));
            statuses.Add(response.StatusCode);
            return issuer.JwksReads > readsBefore;
        }, "the keys are read again once", TimeSpan.FromMinutes(1));
        for (var i = 0; i < 20; i++)
        {
            using var forged = Client(api, issuer.Token("refresh-x", SigningKey.Rsa($"made-up-later-{i}")));
            using var response = await forged.GetAsync(new Uri("/api/reports", UriKind.Relative));
            statuses.Add(response.StatusCode);
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Equal(1, readsBefore); // read once at start
        Assert.Equal(readsBefore + 1, issuer.JwksReads);
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
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal("https://reports.example/problems/unavailable", problem.GetProperty("type").GetString());
        Assert.Equal("The identity provider's signing keys cannot be read now; retry in a few seconds.", problem.GetProperty("detail").GetString());
        AssertRetryAfter(response);
        Assert.DoesNotContain("IDX", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_provider_down_at_start_is_degraded_health_and_instant_503s_until_it_answers_and_api_keys_keep_working()
    {
        await infrastructure.SystemAsync();
        await using var issuer = await LocalIssuer.StartAsync();
        issuer.Down = true;
        await using var api = Api(("Reports:Auth:Jwt:Authority", issuer.Issuer), ("Reports:Auth:Jwt:Audience", LocalIssuer.Audience),
            ("Reports:Auth:Jwt:RequireHttpsMetadata", "false"));
        using var anonymous = api.CreateClient();
        using var admin = Client(api, TestSettings.AdminKey);
        using var user = Client(api, issuer.Token("down-" + Guid.NewGuid().ToString("N")[..8]));

        // The API started without the keys (it did not wait for the provider forever) and says why in its health.
        var (health, check) = await HealthAsync(anonymous);
        Assert.Equal("Degraded", health.GetProperty("status").GetString());
        Assert.Equal("Degraded", check.GetProperty("status").GetString());
        Assert.StartsWith("The identity provider's signing keys cannot be read: ", check.GetProperty("description").GetString(), StringComparison.Ordinal);
        using var withKey = await admin.GetAsync(new Uri("/api/admin/api-keys", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);

        // Tokens are answered 503 from the failure the background reads keep, without each request asking the provider:
        // the provider sees only the API's own attempts (each at most two discovery reads: the library retries a 503 once),
        // however many tokens arrive.
        for (var i = 0; i < 10; i++)
        {
            using var refused = await user.GetAsync(new Uri("/api/reports", UriKind.Relative));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            AssertRetryAfter(refused);
        }

        var attempts = (await HealthAsync(anonymous)).Check.GetProperty("data").GetProperty("attempts").GetInt32();
        Assert.True(issuer.DiscoveryReads <= 2 * attempts, $"The provider was asked {issuer.DiscoveryReads} times, the API attempted {attempts} reads.");

        issuer.Down = false;
        await Poll.UntilAsync(async () => (await HealthAsync(anonymous)).Check.GetProperty("status").GetString() == "Healthy",
            "the keys are read once the provider answers", TimeSpan.FromMinutes(1));
        using var accepted = await user.GetAsync(new Uri("/api/reports", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("2 signing key(s) of the identity provider read.", (await HealthAsync(anonymous)).Check.GetProperty("description").GetString());
    }

    private static async Task<(JsonElement Health, JsonElement Check)> HealthAsync(HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("/health", UriKind.Relative));
        var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return (health, health.GetProperty("checks").GetProperty("identity-provider"));
    }

    /// <summary>Retry-After is whole seconds until the API's next attempt to read the keys: at least 1, at most the longest pause (30 s).</summary>
    private static void AssertRetryAfter(HttpResponseMessage response)
    {
        var seconds = int.Parse(response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(seconds, 1, 30);
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
