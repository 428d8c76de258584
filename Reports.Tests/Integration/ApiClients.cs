using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Reports.Tests.Integration;

/// <summary>
/// Authenticated clients of an in-process API: the bootstrap admin key from <see cref="TestSettings"/>, and fresh user
/// keys, each for an owner of its own, so every test sees only the reports it made.
/// </summary>
public static class ApiClients
{
    public static HttpClient Admin(WebApplicationFactory<Reports.Api.ApiMarker> api) => WithKey(api, TestSettings.AdminKey);

    public static async Task<HttpClient> NewUserAsync(WebApplicationFactory<Reports.Api.ApiMarker> api, string? owner = null)
    {
        using var admin = await ReadyAdminAsync(api);
        var key = await CreateKeyAsync(admin, owner ?? "user-" + Guid.NewGuid().ToString("N")[..12]);
        return WithKey(api, key);
    }

    public static async Task<string> CreateKeyAsync(HttpClient admin, string owner, string role = "user")
    {
        using var response = await admin.PostAsJsonAsync(new Uri("/api/admin/api-keys", UriKind.Relative), new { owner, role });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"Creating an API key failed: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("secret").GetString()!;
    }

    public static HttpClient WithKey(WebApplicationFactory<Reports.Api.ApiMarker> api, string key)
    {
        var client = api.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>The admin client once the API has registered the bootstrap key (a background step at start).</summary>
    private static async Task<HttpClient> ReadyAdminAsync(WebApplicationFactory<Reports.Api.ApiMarker> api)
    {
        var admin = Admin(api);
        var until = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            using var probe = await admin.GetAsync(new Uri("/api/admin/api-keys", UriKind.Relative));
            if (probe.IsSuccessStatusCode)
            {
                return admin;
            }

            Assert.True(DateTime.UtcNow < until, $"The bootstrap admin key was not accepted: {(int)probe.StatusCode}");
            await Task.Delay(50);
        }
    }
}
