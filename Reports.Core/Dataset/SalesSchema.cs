using Npgsql;
using Reports.Core.Storage;

namespace Reports.Core.Dataset;

/// <summary>
/// The demo dataset's schema: migrations 0002 and 0003, written when the dataset could only live in the job store. The
/// job store's <see cref="Migrator"/> leaves them out; the dataset's seeder applies them, once, to whichever database holds
/// the dataset (its own <c>sales</c> database, or the job store's when there is none). A job store migrated before then
/// keeps its record of them, and its copy of the schema, which nothing reads once the dataset has a database of its own.
/// </summary>
internal static class SalesSchema
{
    private const long AdvisoryLockKey = 0x53414c4553; // "SALES"

    public static readonly IReadOnlySet<int> Migrations = new HashSet<int> { 2, 3 };

    /// <summary>Creates the schema unless it is there; concurrent callers wait for the first, then find it.</summary>
    public static async Task EnsureAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockSchema = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
        {
            lockSchema.Parameters.AddWithValue(AdvisoryLockKey);
            await lockSchema.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var exists = new NpgsqlCommand("SELECT to_regclass('sales.dataset') IS NOT NULL", connection, transaction))
        {
            if ((bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
            {
                return;
            }
        }

        foreach (var migration in Migrator.Embedded().Where(m => Migrations.Contains(m.Version)))
        {
            await using var apply = new NpgsqlCommand(migration.Sql, connection, transaction);
            await apply.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
