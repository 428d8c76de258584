using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using Reports.Core.Storage;
using Reports.Tests.Events;
using Reports.Tests.Browser;
using Reports.Tests.Integration;

namespace Reports.Tests.Api.SignIn;

/// <summary>
/// Sign-in with an identity provider against a real API process: tokens of a <see cref="LocalIssuer"/> beside API keys,
/// each refused token a 401 problem with an RFC 6750 challenge, isolation and limits per owner exactly as with keys.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class SignInTests(Infrastructure infrastructure, SignInApi signIn) : IClassFixture<SignInApi>
{
    private static readonly object SmallReport = new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-02" } };

    private LocalIssuer Issuer => signIn.Issuer;

    [Theory]
    [InlineData("rsa")]
    [InlineData("ec")]
    public async Task A_valid_token_creates_and_reads_a_report_of_its_owner(string keyKind)
    {
        var api = await signIn.ApiAsync(infrastructure);
        var key = keyKind == "rsa" ? Issuer.RsaKey : Issuer.EcKey;
        using var user = api.CreateClient(Issuer.Token(NewOwner(), key));

        using var created = await user.PostAsJsonAsync(new Uri("/api/reports", UriKind.Relative), SmallReport);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        using var read = await user.GetAsync(new Uri($"/api/reports/{id}", UriKind.Relative));
        var list = await user.GetFromJsonAsync<JsonElement>("/api/reports");

        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(id, list.GetProperty("items").EnumerateArray().Single().GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("expired", "The token has expired.")]
    [InlineData("not yet valid", "The token is not valid yet.")]
    [InlineData("wrong issuer", "The token's issuer is not accepted.")]
    [InlineData("wrong audience", "The token's audience is not accepted.")]
    [InlineData("unknown key", "The token's signing key is not one of the identity provider's keys.")]
    [InlineData("alg none", "The token's signature is missing or not valid.")]
    [InlineData("alg None", "The token's signature is missing or not valid.")]
    [InlineData("alg none with the real signature kept", "The token's signature is missing or not valid.")]
    [InlineData("ES256 named on an RS256 signature", "The token's signature is missing or not valid.")]
    [InlineData("HS256 with the public key", "The token's signature is missing or not valid.")]
    [InlineData("tampered payload", "The token's signature is missing or not valid.")]
    [InlineData("no subject", "The token has no 'sub' claim to name its owner.")]
    public async Task A_refused_token_is_401_with_a_problem_and_an_invalid_token_challenge(string kind, string description)
    {
        var api = await signIn.ApiAsync(infrastructure);
        var owner = NewOwner();
        var token = kind switch
        {
            "expired" => Issuer.Token(owner, change: t => (t.IssuedAt, t.NotBefore, t.Expires) = (DateTime.UtcNow.AddMinutes(-30), DateTime.UtcNow.AddMinutes(-30), DateTime.UtcNow.AddMinutes(-10))),
            "not yet valid" => Issuer.Token(owner, change: t => (t.NotBefore, t.Expires) = (DateTime.UtcNow.AddMinutes(10), DateTime.UtcNow.AddMinutes(20))),
            "wrong issuer" => Issuer.Token(owner, change: t => t.Issuer = "https://login.example/other-tenant"),
            "wrong audience" => Issuer.Token(owner, change: t => t.Audience = "api://another-api"),
            "unknown key" => Issuer.Token(owner, SigningKey.Rsa("not-published-" + Guid.NewGuid().ToString("N")[..8])),
            "alg none" => Issuer.UnsignedToken(owner),
            "alg None" => Issuer.UnsignedToken(owner, "None"),
            "alg none with the real signature kept" => WithHeader(Issuer.Token(owner), new Dictionary<string, string> { ["alg"] = "none", ["kid"] = Issuer.RsaKey.Id, ["typ"] = "JWT" }),
            "ES256 named on an RS256 signature" => WithHeader(Issuer.Token(owner), new Dictionary<string, string> { ["alg"] = "ES256", ["kid"] = Issuer.EcKey.Id, ["typ"] = "JWT" }),
            "HS256 with the public key" => Issuer.Token(owner, change: t => t.SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(Issuer.RsaKey.PublicJwk))) { KeyId = Issuer.RsaKey.Id },
                SecurityAlgorithms.HmacSha256)),
            "tampered payload" => Tampered(Issuer.Token(owner)),
            "no subject" => Issuer.Token(owner, change: t => t.Claims.Remove("sub")),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        using var client = api.CreateClient(token);

        using var response = await client.GetAsync(new Uri("/api/reports", UriKind.Relative));

        await (await ServedContract.FetchAsync(api.BaseAddress)).AssertConformsAsync(response, "GET", "/api/reports");
        var problem = await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        var challenge = response.Headers.WwwAuthenticate.Single();
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains($"error_description=\"{detail}\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Equal(description, detail);

        // Never the validation library's own message: it names keys, issuers and internals (IDX… codes).
        Assert.DoesNotContain("IDX", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(Issuer.Issuer, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_of_another_owner_gets_404()
    {
        var api = await signIn.ApiAsync(infrastructure);
        using var sameOwner = api.CreateClient(Issuer.Token(NewOwner()));
        using var otherOwner = api.CreateClient(Issuer.Token(NewOwner()));
        var id = (await ReportsClient.CreateAsync(sameOwner, SmallReport)).GetProperty("id").GetString();

        using var schedule = await sameOwner.PostAsJsonAsync(new Uri("/api/schedules", UriKind.Relative), new
        {
            name = "isolation", type = "orders", format = "csv", parameters = new { from = "-1 month start", to = "-1 month end" },
            cron = "0 6 1 * *", timeZone = "Europe/Berlin", missedPolicy = "fire-once",
        });
        Assert.True(schedule.StatusCode == HttpStatusCode.Created, await schedule.Content.ReadAsStringAsync());
        var scheduleId = (await schedule.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        using var theirs = await otherOwner.GetAsync(new Uri($"/api/reports/{id}", UriKind.Relative));
        using var missing = await otherOwner.GetAsync(new Uri($"/api/reports/{Guid.NewGuid()}", UriKind.Relative));
        using var cancel = await otherOwner.PostAsync(new Uri($"/api/reports/{id}/cancel", UriKind.Relative), null);
        using var download = await otherOwner.GetAsync(new Uri($"/api/reports/{id}/download", UriKind.Relative));
        using var events = await otherOwner.GetAsync(new Uri($"/api/reports/{id}/events", UriKind.Relative));
        using var deliveries = await otherOwner.GetAsync(new Uri($"/api/reports/{id}/webhook-deliveries", UriKind.Relative));
        using var theirSchedule = await otherOwner.GetAsync(new Uri($"/api/schedules/{scheduleId}", UriKind.Relative));
        using var deleteTheirSchedule = await otherOwner.DeleteAsync(new Uri($"/api/schedules/{scheduleId}", UriKind.Relative));
        var otherList = await otherOwner.GetFromJsonAsync<JsonElement>("/api/reports");
        var otherSchedules = await otherOwner.GetFromJsonAsync<JsonElement>("/api/schedules");
        using var stillThere = await sameOwner.GetAsync(new Uri($"/api/schedules/{scheduleId}", UriKind.Relative));

        foreach (var response in new[] { theirs, cancel, download, events, deliveries, theirSchedule, deleteTheirSchedule })
        {
            await AssertProblemAsync(response, HttpStatusCode.NotFound, "not-found");
        }

        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
        Assert.Empty(otherSchedules.ValueKind == JsonValueKind.Array ? otherSchedules.EnumerateArray() : otherSchedules.GetProperty("items").EnumerateArray());
        Assert.Equal((await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString(),
            (await theirs.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        Assert.Empty(otherList.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task A_token_acts_for_its_prefixed_owner_never_for_the_api_key_owner_of_the_same_name()
    {
        var api = await signIn.ApiAsync(infrastructure);
        var name = NewOwner();
        using var admin = api.CreateClient(TestSettings.AdminKey);
        using var keyUser = api.CreateClient(await ApiClients.CreateKeyAsync(admin, name));
        using var tokenUser = api.CreateClient(Issuer.Token(name));
        var byToken = (await ReportsClient.CreateAsync(tokenUser, SmallReport)).GetProperty("id").GetString();
        var byKey = (await ReportsClient.CreateAsync(keyUser, SmallReport)).GetProperty("id").GetString();

        using var keyReadsTokens = await keyUser.GetAsync(new Uri($"/api/reports/{byToken}", UriKind.Relative));
        using var tokenReadsKeys = await tokenUser.GetAsync(new Uri($"/api/reports/{byKey}", UriKind.Relative));
        var keySecret = (await keyUser.GetFromJsonAsync<JsonElement>("/api/account/webhook-secret")).GetProperty("secret").GetString();
        var tokenSecret = (await tokenUser.GetFromJsonAsync<JsonElement>("/api/account/webhook-secret")).GetProperty("secret").GetString();
        // An admin cannot give a key to the tokens' owners either, in any case of the prefix.
        using var reserved = await admin.PostAsJsonAsync(new Uri("/api/admin/api-keys", UriKind.Relative), new { owner = "idp." + name });
        using var reservedUpper = await admin.PostAsJsonAsync(new Uri("/api/admin/api-keys", UriKind.Relative), new { owner = "IDP." + name });

        await AssertProblemAsync(keyReadsTokens, HttpStatusCode.NotFound, "not-found");
        await AssertProblemAsync(tokenReadsKeys, HttpStatusCode.NotFound, "not-found");
        Assert.NotEqual(keySecret, tokenSecret);
        Assert.Equal(["idp." + name], await OwnersOfAsync(byToken!));
        Assert.Equal([name], await OwnersOfAsync(byKey!));
        foreach (var response in new[] { reserved, reservedUpper })
        {
            var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation");
            Assert.Equal("Owners beginning with 'idp.' are the identity provider's users (Reports:Auth:Jwt:OwnerPrefix): a key cannot act for them.",
                problem.GetProperty("errors").GetProperty("owner")[0].GetString());
        }
    }

    [Theory]
    [InlineData("two values", "The token cannot be read.")] // the token library itself refuses a 'sub' that is not a string
    [InlineData("only a differently cased name", "The token has no 'sub' claim to name its owner.")]
    [InlineData("a colon", "The token's 'sub' claim cannot name an owner: with the prefix 'idp.' it must make 1 to 64 letters, digits, '.', '_', '-' or '@'.")]
    [InlineData("a quote and a line break", "The token's 'sub' claim cannot name an owner: with the prefix 'idp.' it must make 1 to 64 letters, digits, '.', '_', '-' or '@'.")]
    [InlineData("61 characters", "The token's 'sub' claim cannot name an owner: with the prefix 'idp.' it must make 1 to 64 letters, digits, '.', '_', '-' or '@'.")]
    [InlineData("empty", "The token's 'sub' claim cannot name an owner: with the prefix 'idp.' it must make 1 to 64 letters, digits, '.', '_', '-' or '@'.")]
    [InlineData("a Cyrillic letter that looks Latin", "The token's 'sub' claim cannot name an owner: with the prefix 'idp.' it must make 1 to 64 letters, digits, '.', '_', '-' or '@'.")]
    [InlineData("a JSON object", "The token cannot be read.")] // the token library refuses a 'sub' that is not a string
    public async Task A_token_whose_owner_claim_is_not_one_usable_value_is_401_with_a_clear_problem(string kind, string description)
    {
        var api = await signIn.ApiAsync(infrastructure);
        var token = Issuer.Token(NewOwner(), change: t =>
        {
            switch (kind)
            {
                case "two values": t.Claims["sub"] = new[] { NewOwner(), NewOwner() }; break;
                case "only a differently cased name": t.Claims["Sub"] = t.Claims["sub"]; t.Claims.Remove("sub"); break;
                case "a colon": t.Claims["sub"] = "tenant:alice"; break;
                case "a quote and a line break": t.Claims["sub"] = "alice\"\r\nX-Injected: 1"; break;
                case "61 characters": t.Claims["sub"] = new string('a', 61); break;
                case "empty": t.Claims["sub"] = ""; break;
                case "a Cyrillic letter that looks Latin": t.Claims["sub"] = "\u0430lice"; break;
                case "a JSON object": t.Claims["sub"] = JsonSerializer.SerializeToElement(new { id = "alice" }); break;
                default: throw new ArgumentOutOfRangeException(nameof(kind));
            }
        });
        using var client = api.CreateClient(token);

        using var response = await client.GetAsync(new Uri("/api/reports", UriKind.Relative));

        var problem = await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal(description, problem.GetProperty("detail").GetString());
        Assert.Equal($"Bearer error=\"invalid_token\", error_description=\"{description}\"", response.Headers.WwwAuthenticate.Single().ToString());
    }

    [Fact]
    public async Task The_longest_owner_with_the_prefix_is_64_characters_and_works()
    {
        var api = await signIn.ApiAsync(infrastructure);
        var subject = "b" + Guid.NewGuid().ToString("N") + new string('c', 60 - 33); // 60 characters: 'idp.' makes 64
        using var user = api.CreateClient(Issuer.Token(subject));

        var id = (await ReportsClient.CreateAsync(user, SmallReport)).GetProperty("id").GetString()!;

        Assert.Equal(["idp." + subject], await OwnersOfAsync(id));
    }

    [Theory]
    [InlineData("a JSON array", true)]
    [InlineData("a space-separated string", true)]
    [InlineData("one string", true)]
    [InlineData("a differently cased value", false)]
    [InlineData("a differently cased claim name", false)]
    [InlineData("the admin role inside another value", false)]
    [InlineData("the singular claim name 'role'", false)]
    [InlineData("ASP.NET's own role claim type", false)]
    [InlineData("an object whose member is the admin role", false)]
    [InlineData("an array nested in the array", false)]
    public async Task The_admin_role_is_found_in_an_array_or_a_space_separated_string_matched_exactly(string shape, bool admin)
    {
        var api = await signIn.ApiAsync(infrastructure);
        var token = Issuer.Token(NewOwner(), change: t =>
        {
            switch (shape)
            {
                case "a JSON array": t.Claims["roles"] = new[] { "reports-reader", LocalIssuer.AdminRole }; break;
                case "a space-separated string": t.Claims["roles"] = "reports-reader " + LocalIssuer.AdminRole; break;
                case "one string": t.Claims["roles"] = LocalIssuer.AdminRole; break;
                case "a differently cased value": t.Claims["roles"] = new[] { LocalIssuer.AdminRole.ToUpperInvariant() }; break;
                case "a differently cased claim name": t.Claims["Roles"] = new[] { LocalIssuer.AdminRole }; break;
                case "the admin role inside another value": t.Claims["roles"] = new[] { LocalIssuer.AdminRole + "-not" }; break;
                case "the singular claim name 'role'": t.Claims["role"] = LocalIssuer.AdminRole; break;
                case "ASP.NET's own role claim type": t.Claims[System.Security.Claims.ClaimTypes.Role] = LocalIssuer.AdminRole; break;
                case "an object whose member is the admin role": t.Claims["roles"] = JsonSerializer.SerializeToElement(new Dictionary<string, string> { [LocalIssuer.AdminRole] = LocalIssuer.AdminRole }); break;
                case "an array nested in the array": t.Claims["roles"] = JsonSerializer.SerializeToElement(new[] { new[] { LocalIssuer.AdminRole } }); break;
                default: throw new ArgumentOutOfRangeException(nameof(shape));
            }
        });
        using var client = api.CreateClient(token);

        using var response = await client.GetAsync(new Uri("/api/admin/api-keys", UriKind.Relative));

        if (admin)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        else
        {
            await AssertProblemAsync(response, HttpStatusCode.Forbidden, "forbidden");
        }
    }

    [Fact]
    public async Task A_user_token_gets_403_on_admin_endpoints_and_an_admin_token_200()
    {
        var api = await signIn.ApiAsync(infrastructure);
        using var user = api.CreateClient(Issuer.Token(NewOwner(), roles: ["reports-reader"]));
        using var admin = api.CreateClient(Issuer.Token(NewOwner(), roles: ["reports-reader", LocalIssuer.AdminRole]));

        using var refused = await user.GetAsync(new Uri("/api/admin/api-keys", UriKind.Relative));
        using var refusedOps = await user.GetAsync(new Uri("/api/admin/dead-letters", UriKind.Relative));
        using var accepted = await admin.GetAsync(new Uri("/api/admin/api-keys", UriKind.Relative));

        var contract = await ServedContract.FetchAsync(api.BaseAddress);
        await contract.AssertConformsAsync(refused, "GET", "/api/admin/api-keys");
        await contract.AssertConformsAsync(accepted, "GET", "/api/admin/api-keys");
        foreach (var response in new[] { refused, refusedOps })
        {
            await AssertProblemAsync(response, HttpStatusCode.Forbidden, "forbidden");
            var challenge = response.Headers.WwwAuthenticate.Single();
            Assert.Equal("Bearer", challenge.Scheme);
            Assert.Contains("error=\"insufficient_scope\"", challenge.Parameter, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task API_keys_work_beside_tokens_and_a_refused_key_is_an_invalid_token_challenge()
    {
        var api = await signIn.ApiAsync(infrastructure);
        using var admin = api.CreateClient(TestSettings.AdminKey);
        using var keyUser = api.CreateClient(await ApiClients.CreateKeyAsync(admin, NewOwner()));
        using var forged = api.CreateClient("rpt_0123456789ab_not-a-real-secret-at-all");
        using var anonymous = new HttpClient { BaseAddress = api.BaseAddress };

        using var created = await keyUser.PostAsJsonAsync(new Uri("/api/reports", UriKind.Relative), SmallReport);
        using var refused = await forged.GetAsync(new Uri("/api/reports", UriKind.Relative));
        using var none = await anonymous.GetAsync(new Uri("/api/reports", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        await AssertProblemAsync(refused, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer error=\"invalid_token\", error_description=\"Unknown or revoked API key.\"", refused.Headers.WwwAuthenticate.Single().ToString());
        await AssertProblemAsync(none, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().ToString());
    }

    [Fact]
    public async Task The_rate_limit_counts_an_owners_tokens_together_and_other_owners_and_keys_apart()
    {
        var api = await signIn.ApiAsync(infrastructure);
        using var admin = api.CreateClient(TestSettings.AdminKey);
        var invalid = new { type = "no-such-report" }; // refused after the rate limit, so no report runs

        // The limit is a window of a minute from an owner's first request: when this machine is so slow that the requests
        // took longer than that, they did not all land in one window, and the test runs again with new owners.
        for (var run = 1; ; run++)
        {
            var owner = NewOwner();
            using var token = api.CreateClient(Issuer.Token(owner));
            using var secondToken = api.CreateClient(Issuer.Token(owner, Issuer.EcKey));
            using var sameNameKey = api.CreateClient(await ApiClients.CreateKeyAsync(admin, owner));
            using var other = api.CreateClient(Issuer.Token(NewOwner()));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < SignInApi.CreatesPerMinute; i++)
            {
                using var response = await token.PostAsJsonAsync(new Uri("/api/reports", UriKind.Relative), invalid);
                statuses.Add(response.StatusCode);
            }

            using var limited = await secondToken.PostAsJsonAsync(new Uri("/api/reports", UriKind.Relative), invalid);
            var inOneWindow = clock.Elapsed < TimeSpan.FromMinutes(1);
            using var keyOwner = await sameNameKey.PostAsJsonAsync(new Uri("/api/reports", UriKind.Relative), invalid);
            using var otherOwner = await other.PostAsJsonAsync(new Uri("/api/reports", UriKind.Relative), invalid);
            if (!inOneWindow && run < 3)
            {
                continue;
            }

            Assert.All(statuses, s => Assert.Equal(HttpStatusCode.BadRequest, s));
            await AssertProblemAsync(limited, HttpStatusCode.TooManyRequests, "rate-limited");
            Assert.Equal(HttpStatusCode.BadRequest, keyOwner.StatusCode); // the key's owner of the same name is another owner
            Assert.Equal(HttpStatusCode.BadRequest, otherOwner.StatusCode);
            return;
        }
    }

    [Fact]
    public async Task A_tokens_progress_stream_ends_when_the_token_expires()
    {
        var api = await signIn.ApiAsync(infrastructure);
        var subject = NewOwner();
        // A report waiting on a queue no worker serves: its stream stays open until something else ends it.
        await using var dataSource = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        var job = await new JobStore(dataSource, TimeProvider.System).CreateAsync(NoOpJobs.New("sign-in-expiry") with { Owner = "idp." + subject }, CancellationToken.None);
        var expires = DateTime.UnixEpoch.AddSeconds(DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeSeconds()); // 'exp' is in whole seconds
        using var shortLived = api.CreateClient(Issuer.Token(subject, change: t => t.Expires = expires));

        using var response = await ReportStreams.OpenAsync(shortLived, job.Job.Id.ToString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var events = await ReportStreams.ReadToEndAsync(reader, TimeSpan.FromMinutes(2));
        var endedAt = DateTime.UtcNow;
        using var fresh = api.CreateClient(Issuer.Token(subject));
        var status = (await fresh.GetFromJsonAsync<JsonElement>($"/api/reports/{job.Job.Id}")).GetProperty("status").GetString();

        Assert.Equal(["queued"], events.Select(e => e.Status));
        Assert.Equal("queued", status); // the stream ended because the token did, not the report
        // Not before the token's expiry (the server's timer counts whole milliseconds, so allow it one second), and not
        // because of the longest stream duration, which is minutes.
        Assert.True(endedAt >= expires.AddSeconds(-1), $"The stream ended at {endedAt:O}, before the token expired at {expires:O}.");
    }

    [Fact]
    public async Task A_token_follows_its_reports_progress_as_server_sent_events()
    {
        var api = await signIn.ApiAsync(infrastructure);
        using var user = api.CreateClient(Issuer.Token(NewOwner()));
        var id = (await ReportsClient.CreateAsync(user, SmallReport)).GetProperty("id").GetString()!;
        await ReportsClient.WaitForFinalAsync(user, id, TimeSpan.FromMinutes(2));

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/reports/{id}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await user.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("event: status", body, StringComparison.Ordinal);
        Assert.Contains("\"succeeded\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rotated_key_works_without_a_restart_and_the_retired_key_stops_working()
    {
        var api = await signIn.ApiAsync(infrastructure);
        var owner = NewOwner();
        using (var before = api.CreateClient(Issuer.Token(owner)))
        {
            using var beforeRotation = await before.GetAsync(new Uri("/api/reports", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, beforeRotation.StatusCode);
        }

        var retired = Issuer.RsaKey;
        var rotated = Issuer.RotateRsaKey();
        using var withNewKey = api.CreateClient(Issuer.Token(owner, rotated));
        using var withRetiredKey = api.CreateClient(Issuer.Token(owner, retired));

        // The first token with the new key id makes the API read the keys again (at most once a KeysMinRefreshInterval).
        await Poll.UntilAsync(async () =>
        {
            using var response = await withNewKey.GetAsync(new Uri("/api/reports", UriKind.Relative));
            return response.StatusCode == HttpStatusCode.OK;
        }, "a token signed with the rotated key is accepted", TimeSpan.FromMinutes(1));
        using var created = await withNewKey.PostAsJsonAsync(new Uri("/api/reports", UriKind.Relative), SmallReport);
        using var refused = await withRetiredKey.GetAsync(new Uri("/api/reports", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        await AssertProblemAsync(refused, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Contains("error=\"invalid_token\"", refused.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("jku")]
    [InlineData("x5u")]
    [InlineData("jwk")]
    public async Task A_token_that_names_its_own_keys_in_its_header_is_refused_and_those_keys_are_never_fetched(string header)
    {
        var api = await signIn.ApiAsync(infrastructure);
        await using var attacker = await LocalIssuer.StartAsync();
        var forged = SigningKey.Rsa("attacker-" + Guid.NewGuid().ToString("N")[..8]);
        var value = header == "jwk" ? JsonSerializer.SerializeToElement(forged.PublicJwk) : JsonSerializer.SerializeToElement(attacker.Issuer + "/jwks");
        using var client = api.CreateClient(Issuer.Token(NewOwner(), forged,
            change: t => t.AdditionalHeaderClaims = new Dictionary<string, object>(StringComparer.Ordinal) { [header] = value }));

        using var response = await client.GetAsync(new Uri("/api/reports", UriKind.Relative));

        var problem = await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("The token's signing key is not one of the identity provider's keys.", problem.GetProperty("detail").GetString());
        Assert.Equal(0, attacker.JwksReads + attacker.DiscoveryReads); // keys come only from the configured provider's discovery
    }

    [Theory]
    [InlineData("../../../../etc/passwd")]
    [InlineData("rsa-1' OR '1'='1")]
    [InlineData("rsa-1\r\nX-Injected: 1")]
    [InlineData("4000 characters")]
    public async Task A_made_up_key_id_of_any_shape_is_an_unknown_key(string keyId)
    {
        var api = await signIn.ApiAsync(infrastructure);
        var id = keyId == "4000 characters" ? new string('k', 4000) : keyId;
        using var client = api.CreateClient(Issuer.Token(NewOwner(), SigningKey.Rsa(id)));

        using var response = await client.GetAsync(new Uri("/api/reports", UriKind.Relative));

        var problem = await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("The token's signing key is not one of the identity provider's keys.", problem.GetProperty("detail").GetString());
        Assert.Equal("Bearer error=\"invalid_token\", error_description=\"The token's signing key is not one of the identity provider's keys.\"",
            response.Headers.WwwAuthenticate.Single().ToString());
        Assert.False(response.Headers.Contains("X-Injected"));
    }

    [Theory]
    [InlineData("a claim nested 1000 levels deep", HttpStatusCode.Unauthorized)]
    [InlineData("a string claim of 20000 characters", HttpStatusCode.Forbidden)] // valid, not an admin
    [InlineData("2000 roles, the admin role last", HttpStatusCode.OK)]
    [InlineData("roles nested 1000 levels deep", HttpStatusCode.Unauthorized)] // the token library reads at most 64 levels
    [InlineData("a token larger than the request header limit", HttpStatusCode.RequestHeaderFieldsTooLarge)]
    public async Task A_signed_token_with_huge_or_deeply_nested_claims_is_answered_never_a_server_error(string shape, HttpStatusCode expected)
    {
        var api = await signIn.ApiAsync(infrastructure);
        var claims = Issuer.StandardClaimsJson(NewOwner());
        var extra = shape switch
        {
            "a claim nested 1000 levels deep" => "\"deep\":" + string.Concat(Enumerable.Repeat("{\"a\":", 1000)) + "1" + new string('}', 1000),
            "a string claim of 20000 characters" => "\"note\":\"" + new string('n', 20_000) + "\"",
            "2000 roles, the admin role last" => "\"roles\":[" + string.Concat(Enumerable.Range(0, 2000).Select(i => $"\"role-{i}\",")) + $"\"{LocalIssuer.AdminRole}\"]",
            "roles nested 1000 levels deep" => "\"roles\":" + new string('[', 1000) + $"\"{LocalIssuer.AdminRole}\"" + new string(']', 1000),
            "a token larger than the request header limit" => "\"note\":\"" + new string('n', 40_000) + "\"",
            _ => throw new ArgumentOutOfRangeException(nameof(shape)),
        };
        using var client = api.CreateClient(LocalIssuer.SignedRawToken("{" + claims + "," + extra + "}", Issuer.RsaKey));

        using var response = await client.GetAsync(new Uri("/api/admin/api-keys", UriKind.Relative));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        if (expected is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            await AssertProblemAsync(response, expected, expected == HttpStatusCode.Unauthorized ? "unauthorized" : "forbidden");
        }
    }

    [Theory]
    [InlineData("\"sub\":\"someone-else\"", "The token names the claim 'sub' more than once.")]
    [InlineData("\"note\":1,\"note\":2", "The token names the claim 'note' more than once.")]
    [InlineData("\"a\\\"b\":1,\"a\\\"b\":2", "The token names the claim '(a name that cannot be shown)' more than once.")]
    public async Task A_payload_naming_a_claim_twice_is_refused_never_read_as_one_of_them(string members, string description)
    {
        var api = await signIn.ApiAsync(infrastructure);
        var payload = "{" + Issuer.StandardClaimsJson(NewOwner()) + "," + members + "}";
        using var client = api.CreateClient(LocalIssuer.SignedRawToken(payload, Issuer.RsaKey));

        using var response = await client.GetAsync(new Uri("/api/reports", UriKind.Relative));

        var problem = await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal(description, problem.GetProperty("detail").GetString());
        Assert.Equal($"Bearer error=\"invalid_token\", error_description=\"{description}\"", response.Headers.WwwAuthenticate.Single().ToString());
    }

    [Fact]
    public async Task The_openapi_document_declares_the_token_beside_the_api_key()
    {
        var api = await signIn.ApiAsync(infrastructure);
        using var anonymous = new HttpClient { BaseAddress = api.BaseAddress };

        var document = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var jwt = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Jwt");
        Assert.Equal("bearer", jwt.GetProperty("scheme").GetString());
        Assert.Equal("JWT", jwt.GetProperty("bearerFormat").GetString());
        var alternatives = document.GetProperty("security").EnumerateArray().Select(r => r.EnumerateObject().Single().Name).ToList();
        Assert.Equal(["ApiKey", "Jwt"], alternatives);
    }

    [Fact]
    public async Task The_openapi_document_with_the_token_is_still_clean_for_both_linters()
    {
        var api = await signIn.ApiAsync(infrastructure);

        await OpenApiLintTests.AssertRedoclyCleanAsync(api.BaseAddress);
        await OpenApiLintTests.AssertSpectralCleanAsync(api.BaseAddress);
    }

    /// <summary>The owner column of a report, read from the database.</summary>
    private async Task<string[]> OwnersOfAsync(string reportId)
    {
        await using var dataSource = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        await using var command = dataSource.CreateCommand("SELECT owner FROM reports.jobs WHERE id = @id");
        command.Parameters.AddWithValue("id", Guid.Parse(reportId));
        var owners = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            owners.Add(reader.GetString(0));
        }

        return [.. owners];
    }

    private static string NewOwner() => "idp-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The token with another header and the original payload and signature kept.</summary>
    private static string WithHeader(string token, Dictionary<string, string> header)
    {
        var parts = token.Split('.');
        return Base64UrlEncoder.Encode(JsonSerializer.Serialize(header)) + "." + parts[1] + "." + parts[2];
    }

    /// <summary>The token with its payload changed (another subject) and the original signature kept.</summary>
    private static string Tampered(string token)
    {
        var parts = token.Split('.');
        var payload = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Base64UrlEncoder.Decode(parts[1]))!;
        payload["sub"] = JsonSerializer.SerializeToElement("someone-else");
        return parts[0] + "." + Base64UrlEncoder.Encode(JsonSerializer.Serialize(payload)) + "." + parts[2];
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal("https://reports.example/problems/" + type, problem.GetProperty("type").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.True(problem.TryGetProperty("traceId", out _), body);
        return problem;
    }
}
