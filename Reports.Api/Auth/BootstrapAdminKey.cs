using Microsoft.Extensions.Options;
using Reports.Core.Access;

namespace Reports.Api.Auth;

/// <summary>
/// Makes the configured bootstrap admin key the only bootstrap key that works, at start, retrying until PostgreSQL
/// answers: a changed setting revokes the previous key, a removed one revokes it with nothing in its place.
/// </summary>
internal sealed class BootstrapAdminKey(ApiKeyStore keys, IOptions<AuthOptions> options, ILogger<BootstrapAdminKey> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var configured = options.Value.BootstrapAdminKey is { Length: > 0 } key ? key : null;
        while (true)
        {
            try
            {
                Log(await keys.SyncBootstrapAsync(configured, options.Value.BootstrapAdminOwner, stoppingToken));
                return;
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Cannot register the bootstrap admin key yet ({Error}); retrying", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private void Log(BootstrapKeyOutcome outcome)
    {
        switch (outcome.State)
        {
            case BootstrapKeyState.None:
                logger.LogWarning("No Reports:Auth:BootstrapAdminKey is set: only keys already in the database can call the API; {Revoked} earlier bootstrap key(s) revoked",
                    outcome.RevokedOthers);
                break;
            case BootstrapKeyState.Active when outcome.RevokedOthers > 0:
                logger.LogWarning("The bootstrap admin key changed: {Revoked} earlier bootstrap key(s) revoked", outcome.RevokedOthers);
                break;
            case BootstrapKeyState.Revoked:
                logger.LogError("The configured Reports:Auth:BootstrapAdminKey was revoked earlier (rotated away or revoked by an admin) and stays revoked; configure a new one");
                break;
            case BootstrapKeyState.PrefixTaken:
                logger.LogError("The configured Reports:Auth:BootstrapAdminKey cannot be registered: another key has its lookup prefix; configure a new one. {Revoked} earlier bootstrap key(s) revoked",
                    outcome.RevokedOthers);
                break;
        }
    }
}
