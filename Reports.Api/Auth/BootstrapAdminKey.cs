using Microsoft.Extensions.Options;
using Reports.Core.Access;

namespace Reports.Api.Auth;

/// <summary>Registers the configured bootstrap admin key at start, retrying until PostgreSQL answers.</summary>
internal sealed class BootstrapAdminKey(ApiKeyStore keys, IOptions<AuthOptions> options, ILogger<BootstrapAdminKey> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.BootstrapAdminKey is not { Length: > 0 } key)
        {
            logger.LogWarning("No Reports:Auth:BootstrapAdminKey is set: only keys already in the database can call the API");
            return;
        }

        while (true)
        {
            try
            {
                await keys.EnsureAsync(key, options.Value.BootstrapAdminOwner, Roles.Admin, "bootstrap admin key", stoppingToken);
                return;
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Cannot register the bootstrap admin key yet ({Error}); retrying", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }
}
