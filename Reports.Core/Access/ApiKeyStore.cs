using Npgsql;

namespace Reports.Core.Access;

/// <summary>API keys in PostgreSQL: created (shown once), looked up by prefix and verified by hash, revoked.</summary>
public sealed class ApiKeyStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string Columns = "id, prefix, owner, role, name, created_at, revoked_at, last_used_at";
    private const string BootstrapName = "bootstrap admin key";
    private const long BootstrapLock = 0x5245504f525442; // "REPORTB"

    /// <summary>Creates a key; the returned secret is the only time it exists outside its holder.</summary>
    public async Task<(ApiKey Key, string Secret)> CreateAsync(string owner, string role, string name, CancellationToken cancellationToken)
    {
        var (secret, prefix) = ApiKeySecrets.Generate();
        return (await InsertAsync(secret, prefix, owner, role, name, cancellationToken), secret);
    }

    /// <summary>
    /// Makes the configured bootstrap key (or none, when <paramref name="secret"/> is null) the only bootstrap key that
    /// works: registers it, then revokes every other bootstrap key, in one transaction under a lock, so API replicas
    /// starting at once with different settings end with the last one's key. A configured key that is revoked (rotated
    /// away earlier, or revoked by an admin) stays revoked and revokes nothing: a replica still running with an old
    /// setting cannot take the key away from the new one. A configured key whose lookup prefix an older bootstrap key
    /// has replaces it; when a key that is not a bootstrap key has it, the configured key cannot be registered
    /// (<see cref="BootstrapKeyState.PrefixTaken"/>) and every older bootstrap key is revoked all the same.
    /// </summary>
    public async Task<BootstrapKeyOutcome> SyncBootstrapAsync(string? secret, string owner, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@lock)", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("lock", BootstrapLock);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        Guid? keep = null;
        var prefixTaken = false;
        var movedAside = 0;
        if (secret is not null)
        {
            // A configured key revoked earlier (rotated away, revoked by an admin, or moved aside below) stays revoked.
            await using (var revokedBefore = new NpgsqlCommand(
                "SELECT EXISTS (SELECT 1 FROM reports.api_keys WHERE secret_hash = @hash AND revoked_at IS NOT NULL)", connection, transaction))
            {
                revokedBefore.Parameters.AddWithValue("hash", ApiKeySecrets.Hash(secret));
                if ((bool)(await revokedBefore.ExecuteScalarAsync(cancellationToken))!)
                {
                    return BootstrapKeyOutcome.Revoked;
                }
            }

            // An older bootstrap key with the new key's lookup prefix is revoked and moved aside (its prefix made unique),
            // so the new one can be registered under it.
            var prefix = ApiKeySecrets.PrefixOf(secret);
            var hash = ApiKeySecrets.Hash(secret);
            movedAside = await ExecuteAsync(
                "UPDATE reports.api_keys SET revoked_at = @now WHERE prefix = @prefix AND bootstrap AND secret_hash <> @hash AND revoked_at IS NULL");
            await ExecuteAsync(
                "UPDATE reports.api_keys SET prefix = prefix || '~' || replace(id::text, '-', '') WHERE prefix = @prefix AND bootstrap AND secret_hash <> @hash");

            async Task<int> ExecuteAsync(string sql)
            {
                await using var aside = new NpgsqlCommand(sql, connection, transaction);
                aside.Parameters.AddWithValue("prefix", prefix);
                aside.Parameters.AddWithValue("hash", hash);
                aside.Parameters.AddWithValue("now", time.GetUtcNow());
                return await aside.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var register = new NpgsqlCommand("""
                INSERT INTO reports.api_keys (id, prefix, secret_hash, owner, role, name, created_at, bootstrap)
                VALUES (@id, @prefix, @hash, @owner, @role, @name, @now, true)
                ON CONFLICT (prefix) DO UPDATE SET bootstrap = true WHERE api_keys.secret_hash = EXCLUDED.secret_hash;
                SELECT id, revoked_at IS NOT NULL FROM reports.api_keys WHERE prefix = @prefix AND secret_hash = @hash;
                """, connection, transaction);
            Bind(register, secret, ApiKeySecrets.PrefixOf(secret), owner, Roles.Admin, BootstrapName);
            await using var reader = await register.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                // A key that is not a bootstrap key has the prefix: the configured key cannot be registered, and still no
                // older bootstrap key may go on working in its place.
                prefixTaken = true;
            }
            else if (reader.GetBoolean(1))
            {
                return BootstrapKeyOutcome.Revoked;
            }
            else
            {
                keep = reader.GetGuid(0);
            }
        }

        await using var revoke = new NpgsqlCommand(
            "UPDATE reports.api_keys SET revoked_at = @now WHERE bootstrap AND revoked_at IS NULL AND id IS DISTINCT FROM @keep", connection, transaction);
        revoke.Parameters.AddWithValue("now", time.GetUtcNow());
        revoke.Parameters.Add(new NpgsqlParameter<Guid?>("keep", NpgsqlTypes.NpgsqlDbType.Uuid) { TypedValue = keep });
        var revoked = movedAside + await revoke.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new BootstrapKeyOutcome(prefixTaken ? BootstrapKeyState.PrefixTaken : keep is null ? BootstrapKeyState.None : BootstrapKeyState.Active, revoked);
    }

    /// <summary>The active key that <paramref name="secret"/> proves, or null (unknown, wrong or revoked). Records its use.</summary>
    public async Task<ApiKey?> AuthenticateAsync(string secret, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns}, secret_hash FROM reports.api_keys WHERE prefix = @prefix AND revoked_at IS NULL");
        command.Parameters.AddWithValue("prefix", ApiKeySecrets.PrefixOf(secret));
        ApiKey? key = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken) && ApiKeySecrets.Matches(secret, (byte[])reader["secret_hash"]))
            {
                key = Map(reader);
            }
        }

        if (key is not null && (key.LastUsedAt is null || time.GetUtcNow() - key.LastUsedAt > TimeSpan.FromMinutes(1)))
        {
            // Recorded at most once a minute per key, so authentication stays one read on the hot path.
            await using var touch = dataSource.CreateCommand("UPDATE reports.api_keys SET last_used_at = @now WHERE id = @id");
            touch.Parameters.AddWithValue("id", key.Id);
            touch.Parameters.AddWithValue("now", time.GetUtcNow());
            await touch.ExecuteNonQueryAsync(cancellationToken);
        }

        return key;
    }

    /// <summary>Whether the key still works (exists and is not revoked): what a long-lived connection checks now and then.</summary>
    public async Task<bool> IsActiveAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM reports.api_keys WHERE id = @id AND revoked_at IS NULL)");
        command.Parameters.AddWithValue("id", id);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<IReadOnlyList<ApiKey>> ListAsync(string? owner, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM reports.api_keys WHERE (@owner::text IS NULL OR owner = @owner) ORDER BY created_at DESC LIMIT 1000");
        command.Parameters.AddWithValue("owner", (object?)owner ?? DBNull.Value);
        var keys = new List<ApiKey>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(Map(reader));
        }

        return keys;
    }

    public async Task<ApiKey?> RevokeAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"UPDATE reports.api_keys SET revoked_at = coalesce(revoked_at, @now) WHERE id = @id RETURNING {Columns}");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Map(reader) : null;
    }

    private async Task<ApiKey> InsertAsync(string secret, string prefix, string owner, string role, string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"INSERT INTO reports.api_keys (id, prefix, secret_hash, owner, role, name, created_at) VALUES (@id, @prefix, @hash, @owner, @role, @name, @now) RETURNING {Columns}");
        Bind(command, secret, prefix, owner, role, name);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return Map(reader);
    }

    private void Bind(NpgsqlCommand command, string secret, string prefix, string owner, string role, string name)
    {
        command.Parameters.AddWithValue("id", Guid.CreateVersion7());
        command.Parameters.AddWithValue("prefix", prefix);
        command.Parameters.AddWithValue("hash", ApiKeySecrets.Hash(secret));
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("role", role);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
    }

    private static ApiKey Map(NpgsqlDataReader r) => new()
    {
        Id = r.GetGuid(0),
        Prefix = r.GetString(1),
        Owner = r.GetString(2),
        Role = r.GetString(3),
        Name = r.GetString(4),
        CreatedAt = r.GetFieldValue<DateTimeOffset>(5),
        RevokedAt = r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6),
        LastUsedAt = r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7),
    };
}
