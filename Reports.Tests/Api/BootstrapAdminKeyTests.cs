using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using Reports.Core.Access;
using Reports.Tests.Engine;
using Reports.Tests.Integration;

namespace Reports.Tests.Api;

/// <summary>
/// The configured bootstrap admin key is the only bootstrap key that works. Each test has a database of its own: the
/// collection's API keeps its own bootstrap key, which these starts would otherwise revoke.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class BootstrapAdminKeyTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task Changing_the_bootstrap_key_revokes_the_previous_one_and_removing_it_revokes_it()
    {
        var database = await infrastructure.CreateDatabaseAsync("bootstrap");
        var first = "first-bootstrap-key-" + Guid.NewGuid().ToString("N");
        var second = "second-bootstrap-key-" + Guid.NewGuid().ToString("N");

        await using (var api = StartApi(database, first))
        {
            await WaitForStatusAsync(api, first, HttpStatusCode.OK);
        }

        await using (var api = StartApi(database, second))
        {
            // Registered and the other revoked in one transaction: once the new key works, the old one does not.
            await WaitForStatusAsync(api, second, HttpStatusCode.OK);
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(api, first));
        }

        await using (var api = StartApi(database, key: null))
        {
            await WaitForStatusAsync(api, second, HttpStatusCode.Unauthorized);
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(api, first));
        }
    }

    [Fact]
    public async Task A_replica_started_with_a_key_rotated_away_neither_revives_it_nor_revokes_the_new_one()
    {
        await using var dataSource = NpgsqlDataSource.Create(await infrastructure.CreateDatabaseAsync("bootstrap"));
        var store = new ApiKeyStore(dataSource, TimeProvider.System);
        var old = "old-bootstrap-key-" + Guid.NewGuid().ToString("N");
        var current = "new-bootstrap-key-" + Guid.NewGuid().ToString("N");

        Assert.Equal(new BootstrapKeyOutcome(BootstrapKeyState.Active, 0), await store.SyncBootstrapAsync(old, "admin", CancellationToken.None));
        Assert.Equal(new BootstrapKeyOutcome(BootstrapKeyState.Active, 1), await store.SyncBootstrapAsync(current, "admin", CancellationToken.None));
        Assert.Equal(BootstrapKeyOutcome.Revoked, await store.SyncBootstrapAsync(old, "admin", CancellationToken.None));

        Assert.Null(await store.AuthenticateAsync(old, CancellationToken.None));
        Assert.NotNull(await store.AuthenticateAsync(current, CancellationToken.None));
    }

    [Fact]
    public async Task A_new_bootstrap_key_with_an_older_ones_lookup_prefix_replaces_it_and_only_the_new_one_works()
    {
        await using var dataSource = NpgsqlDataSource.Create(await infrastructure.CreateDatabaseAsync("bootstrap"));
        var store = new ApiKeyStore(dataSource, TimeProvider.System);
        // The same 12 hex digits after "rpt_": the same lookup prefix, different secrets.
        var old = "rpt_abcdefabcdef_old-bootstrap-secret-" + Guid.NewGuid().ToString("N");
        var current = "rpt_abcdefabcdef_new-bootstrap-secret-" + Guid.NewGuid().ToString("N");

        Assert.Equal(new BootstrapKeyOutcome(BootstrapKeyState.Active, 0), await store.SyncBootstrapAsync(old, "admin", CancellationToken.None));
        Assert.Equal(new BootstrapKeyOutcome(BootstrapKeyState.Active, 1), await store.SyncBootstrapAsync(current, "admin", CancellationToken.None));
        Assert.Null(await store.AuthenticateAsync(old, CancellationToken.None));
        Assert.NotNull(await store.AuthenticateAsync(current, CancellationToken.None));

        // A replica still configured with the old key neither revives it nor takes the prefix back.
        Assert.Equal(BootstrapKeyOutcome.Revoked, await store.SyncBootstrapAsync(old, "admin", CancellationToken.None));
        Assert.Null(await store.AuthenticateAsync(old, CancellationToken.None));
        Assert.NotNull(await store.AuthenticateAsync(current, CancellationToken.None));
    }

    [Fact]
    public async Task A_bootstrap_key_whose_prefix_a_user_key_has_is_not_registered_and_older_bootstrap_keys_stop_working()
    {
        await using var dataSource = NpgsqlDataSource.Create(await infrastructure.CreateDatabaseAsync("bootstrap"));
        var store = new ApiKeyStore(dataSource, TimeProvider.System);
        var old = "old-bootstrap-key-" + Guid.NewGuid().ToString("N");
        Assert.Equal(BootstrapKeyState.Active, (await store.SyncBootstrapAsync(old, "admin", CancellationToken.None)).State);
        var (userKey, userSecret) = await store.CreateAsync("someone", Roles.User, "a user's key", CancellationToken.None);
        var colliding = $"rpt_{userKey.Prefix}_configured-bootstrap-secret-" + Guid.NewGuid().ToString("N");

        Assert.Equal(new BootstrapKeyOutcome(BootstrapKeyState.PrefixTaken, 1), await store.SyncBootstrapAsync(colliding, "admin", CancellationToken.None));

        Assert.Null(await store.AuthenticateAsync(old, CancellationToken.None));
        Assert.Null(await store.AuthenticateAsync(colliding, CancellationToken.None));
        Assert.NotNull(await store.AuthenticateAsync(userSecret, CancellationToken.None)); // the user's key is left alone
    }

    [Theory]
    [InlineData(23)]
    [InlineData(257)]
    public async Task A_bootstrap_key_shorter_than_24_or_longer_than_256_characters_stops_the_api_at_start(int length)
    {
        await infrastructure.SystemAsync();
        var error = await StartFailure.MessageAsync<Reports.Api.ApiMarker>(b =>
        {
            TestSettings.Apply(b, infrastructure, "bootstrap-length-api");
            b.UseSetting("Reports:Auth:BootstrapAdminKey", new string('k', length));
        });

        Assert.Contains("Reports:Auth:BootstrapAdminKey must have 24 to 256 characters", error, StringComparison.Ordinal);
    }

    private WebApplicationFactory<Reports.Api.ApiMarker> StartApi(string database, string? key)
    {
        var api = new WebApplicationFactory<Reports.Api.ApiMarker>().WithWebHostBuilder(b =>
        {
            TestSettings.Apply(b, infrastructure, "bootstrap-api");
            b.UseSetting("ConnectionStrings:reportsdb", database);
            b.UseSetting("Reports:Auth:BootstrapAdminKey", key);
        });
        _ = api.Services; // starts the hosted services, the bootstrap key's registration among them
        return api;
    }

    private static async Task<HttpStatusCode> StatusAsync(WebApplicationFactory<Reports.Api.ApiMarker> api, string key)
    {
        using var client = ApiClients.WithKey(api, key);
        using var response = await client.GetAsync(new Uri("/api/admin/api-keys", UriKind.Relative));
        return response.StatusCode;
    }

    private static Task WaitForStatusAsync(WebApplicationFactory<Reports.Api.ApiMarker> api, string key, HttpStatusCode expected) =>
        FaultSystem.EventuallyAsync(async () => await StatusAsync(api, key) == expected, $"the key answers {expected}", TimeSpan.FromMinutes(1));
}
