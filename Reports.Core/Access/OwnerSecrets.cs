using System.Security.Cryptography;
using Npgsql;

namespace Reports.Core.Access;

/// <summary>Each owner's webhook signing secret: created on first use, rotatable.</summary>
public sealed class OwnerSecrets(NpgsqlDataSource dataSource, TimeProvider time)
{
    public async Task<string> GetOrCreateAsync(string owner, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO reports.owners (owner, webhook_secret, secret_rotated_at) VALUES (@owner, @secret, @now)
            ON CONFLICT (owner) DO UPDATE SET owner = EXCLUDED.owner
            RETURNING webhook_secret
            """);
        Bind(command, owner);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<string> RotateAsync(string owner, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO reports.owners (owner, webhook_secret, secret_rotated_at) VALUES (@owner, @secret, @now)
            ON CONFLICT (owner) DO UPDATE SET webhook_secret = EXCLUDED.webhook_secret, secret_rotated_at = EXCLUDED.secret_rotated_at
            RETURNING webhook_secret
            """);
        Bind(command, owner);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private void Bind(NpgsqlCommand command, string owner)
    {
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("secret", "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)));
        command.Parameters.AddWithValue("now", time.GetUtcNow());
    }
}
