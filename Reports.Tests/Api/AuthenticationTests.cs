using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reports.Tests.Integration;

namespace Reports.Tests.Api;

[Collection(IntegrationGroup.Name)]
public sealed class AuthenticationTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task A_call_without_a_key_is_401_with_a_problem_and_a_bearer_challenge()
    {
        var system = await infrastructure.SystemAsync();
        using var anonymous = system.Api.CreateClient();

        using var response = await anonymous.GetAsync(new Uri("/api/reports", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("https://reports.example/problems/unauthorized", problem.GetProperty("type").GetString());
    }

    [Fact]
    public async Task An_unknown_key_is_401_and_the_x_api_key_header_works_like_bearer()
    {
        var system = await infrastructure.SystemAsync();
        using var forged = ApiClients.WithKey(system.Api, "rpt_0123456789ab_not-a-real-secret-at-all");
        using var admin = system.CreateAdminClient();
        var key = await ApiClients.CreateKeyAsync(admin, "xkey-" + Guid.NewGuid().ToString("N")[..8]);
        using var viaHeader = system.Api.CreateClient();
        viaHeader.DefaultRequestHeaders.Add("X-Api-Key", key);

        using var refused = await forged.GetAsync(new Uri("/api/reports", UriKind.Relative));
        using var accepted = await viaHeader.GetAsync(new Uri("/api/reports", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task A_revoked_key_stops_working_at_once()
    {
        var system = await infrastructure.SystemAsync();
        using var admin = system.CreateAdminClient();
        using var created = await admin.PostAsJsonAsync(new Uri("/api/admin/api-keys", UriKind.Relative), new { owner = "revoked-" + Guid.NewGuid().ToString("N")[..8] });
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        using var user = ApiClients.WithKey(system.Api, body.GetProperty("secret").GetString()!);
        using var before = await user.GetAsync(new Uri("/api/reports", UriKind.Relative));

        using var revoke = await admin.DeleteAsync(new Uri($"/api/admin/api-keys/{body.GetProperty("key").GetProperty("id").GetString()}", UriKind.Relative));
        using var after = await user.GetAsync(new Uri("/api/reports", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task A_user_key_gets_403_on_admin_endpoints()
    {
        var system = await infrastructure.SystemAsync();
        using var user = await system.CreateClientAsync();

        using var keys = await user.GetAsync(new Uri("/api/admin/api-keys", UriKind.Relative));
        using var deadLetters = await user.GetAsync(new Uri("/api/admin/dead-letters", UriKind.Relative));
        using var retry = await user.PostAsync(new Uri($"/api/admin/reports/{Guid.NewGuid()}/retry", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Forbidden, keys.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, deadLetters.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, retry.StatusCode);
        Assert.Equal("application/problem+json", keys.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_health_endpoints_and_the_openapi_document_need_no_key()
    {
        var system = await infrastructure.SystemAsync();
        using var anonymous = system.Api.CreateClient();

        using var alive = await anonymous.GetAsync(new Uri("/alive", UriKind.Relative));
        using var openApi = await anonymous.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        var document = await openApi.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey").GetProperty("scheme").GetString());
        Assert.True(document.GetProperty("paths").TryGetProperty("/api/reports/{id}/download", out _));
    }
}
