using System.Reflection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Reports.Core.Storage;

/// <summary>
/// Applies the embedded, numbered SQL migrations in order, each in its own transaction, except a file whose first line is
/// <c>-- migrate: no-transaction</c>: its statements (each ending with <c>;</c> at the end of a line) run one by one, each
/// committing on its own, so it may use <c>CREATE INDEX CONCURRENTLY</c> and <c>VALIDATE CONSTRAINT</c> without holding a
/// table lock across the file. Such a file must be safe to run again: if it fails halfway, the next run starts it over.
/// A session advisory lock makes concurrent runs safe: the second waits for it (polling), then finds nothing to do.
/// </summary>
public sealed class Migrator(NpgsqlDataSource dataSource, ILogger<Migrator> logger)
{
    private const long AdvisoryLockKey = 0x5245504f525453; // "REPORTS"

    private static readonly TimeSpan LockPollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>The first line of a migration whose statements run outside a transaction, one at a time.</summary>
    public const string NoTransactionMarker = "-- migrate: no-transaction";

    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Polled, not waited for: a session blocked in pg_advisory_lock holds a snapshot, which a concurrent
        // CREATE INDEX CONCURRENTLY in the holder's no-transaction migration would wait on (a deadlock).
        while (!await TryLockAsync(connection, cancellationToken))
        {
            await Task.Delay(LockPollInterval, cancellationToken);
        }


        try
        {
            await Execute(connection, """
                CREATE SCHEMA IF NOT EXISTS reports;
                CREATE TABLE IF NOT EXISTS reports.schema_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """, cancellationToken);
            var applied = new HashSet<int>();
            await using (var read = new NpgsqlCommand("SELECT version FROM reports.schema_migrations", connection))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    applied.Add(reader.GetInt32(0));
                }
            }

            var count = 0;
            foreach (var migration in Migrations().Where(m => !applied.Contains(m.Version)))
            {
                if (migration.NoTransaction)
                {
                    foreach (var statement in Statements(migration.Sql))
                    {
                        await Execute(connection, statement, cancellationToken);
                    }

                    await Execute(connection, "INSERT INTO reports.schema_migrations (version, name) VALUES ($1, $2)", cancellationToken,
                        migration.Version, migration.Name);
                }
                else
                {
                    await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                    await using (var apply = new NpgsqlCommand(migration.Sql, connection, transaction))
                    {
                        await apply.ExecuteNonQueryAsync(cancellationToken);
                    }

                    await using (var record = new NpgsqlCommand("INSERT INTO reports.schema_migrations (version, name) VALUES ($1, $2)", connection, transaction))
                    {
                        record.Parameters.AddWithValue(migration.Version);
                        record.Parameters.AddWithValue(migration.Name);
                        await record.ExecuteNonQueryAsync(cancellationToken);
                    }

                    await transaction.CommitAsync(cancellationToken);
                }

                logger.LogInformation("Applied migration {Version} {Name}", migration.Version, migration.Name);
                count++;
            }

            return count;
        }
        finally
        {
            await Execute(connection, "SELECT pg_advisory_unlock($1)", CancellationToken.None, AdvisoryLockKey);
        }
    }

    /// <summary>The job store's migrations: every embedded one but the demo dataset's schema (<see cref="Dataset.SalesSchema"/>).</summary>
    internal static IReadOnlyList<Migration> Migrations() => [.. Embedded().Where(m => !Dataset.SalesSchema.Migrations.Contains(m.Version))];

    internal static IReadOnlyList<Migration> Embedded()
    {
        var assembly = typeof(Migrator).Assembly;
        const string prefix = "Reports.Core.Storage.Migrations.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var name = n[prefix.Length..^4];
                var version = int.Parse(name[..name.IndexOf('_', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
                var sql = Read(assembly, n);
                return new Migration(version, name, sql, sql.StartsWith(NoTransactionMarker, StringComparison.Ordinal));
            })
            .OrderBy(m => m.Version)
            .ToList();
    }

    /// <summary>
    /// The statements of a no-transaction migration: each ends with <c>;</c> at the end of a line, outside a <c>$$</c> body.
    /// Comment-only pieces are dropped.
    /// </summary>
    internal static IReadOnlyList<string> Statements(string sql)
    {
        var statements = new List<string>();
        var current = new System.Text.StringBuilder();
        var inBody = false;
        foreach (var line in sql.Split('\n'))
        {
            current.Append(line).Append('\n');
            var trimmed = line.TrimEnd();
            if (!trimmed.TrimStart().StartsWith("--", StringComparison.Ordinal))
            {
                var dollars = 0;
                for (var i = trimmed.IndexOf("$$", StringComparison.Ordinal); i >= 0; i = trimmed.IndexOf("$$", i + 2, StringComparison.Ordinal))
                {
                    dollars++;
                }

                inBody ^= dollars % 2 == 1;
            }

            if (!inBody && trimmed.EndsWith(';') && !trimmed.TrimStart().StartsWith("--", StringComparison.Ordinal))
            {
                Add(statements, current);
            }
        }

        Add(statements, current);
        return statements;

        static void Add(List<string> statements, System.Text.StringBuilder current)
        {
            var text = current.ToString();
            current.Clear();
            if (text.Split('\n').Any(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith("--", StringComparison.Ordinal)))
            {
                statements.Add(text.Trim());
            }
        }
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection);
        command.Parameters.AddWithValue(AdvisoryLockKey);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    internal sealed record Migration(int Version, string Name, string Sql, bool NoTransaction);
}
