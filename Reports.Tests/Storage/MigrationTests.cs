using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Reports.Core.Storage;
using Reports.Tests.Integration;

namespace Reports.Tests.Storage;

/// <summary>
/// The migrations and the migrator's no-transaction mode: the rule for changes to the big tables (indexes built
/// CONCURRENTLY, checks added NOT VALID then validated), a no-transaction file safe to run again, and two migrators at
/// once on a fresh database (a waiting one must not hold a snapshot that a concurrent index build waits on).
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed partial class MigrationTests(Infrastructure infrastructure)
{
    /// <summary>From this migration on, the rule holds (the earlier ones ran before it existed, on small tables).</summary>
    private const int RuleSince = 23;

    [Fact]
    public void A_no_transaction_file_splits_at_statement_ends_and_keeps_a_function_body_whole()
    {
        var statements = Migrator.Statements("""
            -- migrate: no-transaction
            -- a comment; with a semicolon
            CREATE TABLE t (a int);
            CREATE OR REPLACE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE t SET a = 1;
                RETURN NULL;
            END $$;
            CREATE INDEX CONCURRENTLY t_a
                ON t (a);
            """);

        Assert.Equal(3, statements.Count);
        Assert.StartsWith("CREATE TABLE t", statements[0].Split('\n')[^1], StringComparison.Ordinal);
        Assert.Contains("RETURN NULL;", statements[1], StringComparison.Ordinal);
        Assert.EndsWith("END $$;", statements[1], StringComparison.Ordinal);
        Assert.Equal("CREATE INDEX CONCURRENTLY t_a\n    ON t (a);", statements[2]);
    }

    [Fact]
    public void New_migrations_build_indexes_on_existing_tables_concurrently_and_add_checks_not_valid()
    {
        var broken = new List<string>();
        foreach (var migration in Migrator.Migrations().Where(m => m.Version >= RuleSince))
        {
            var created = CreatedTable().Matches(migration.Sql).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (Match index in PlainIndex().Matches(migration.Sql))
            {
                if (!created.Contains(index.Groups[1].Value))
                {
                    broken.Add($"{migration.Name}: {index.Value} (use CREATE INDEX CONCURRENTLY in a no-transaction file)");
                }
            }

            if (ConcurrentIndex().IsMatch(migration.Sql) && !migration.NoTransaction)
            {
                broken.Add($"{migration.Name}: CONCURRENTLY needs the first line {Migrator.NoTransactionMarker}");
            }

            foreach (Match check in AddedCheck().Matches(migration.Sql))
            {
                if (!check.Value.Contains("NOT VALID", StringComparison.OrdinalIgnoreCase))
                {
                    broken.Add($"{migration.Name}: a CHECK added to an existing table without NOT VALID");
                }
            }
        }

        Assert.Empty(broken);
    }

    [Fact]
    public async Task Two_migrators_at_once_on_a_fresh_database_both_finish_and_leave_valid_indexes_and_validated_checks()
    {
        var connectionString = await EmptyDatabaseAsync();
        await using var first = NpgsqlDataSource.Create(connectionString);
        await using var second = NpgsqlDataSource.Create(connectionString);
        var applied = await Task.WhenAll(
            new Migrator(first, NullLogger<Migrator>.Instance).MigrateAsync(CancellationToken.None),
            new Migrator(second, NullLogger<Migrator>.Instance).MigrateAsync(CancellationToken.None));

        Assert.Equal(Migrator.Migrations().Count, applied.Sum());
        Assert.Contains(0, applied);
        Assert.Empty(await RowsAsync(first, """
            SELECT c.relname FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid JOIN pg_namespace AS n ON n.oid = c.relnamespace
            WHERE n.nspname = 'reports' AND NOT i.indisvalid
            """));
        Assert.Empty(await RowsAsync(first, """
            SELECT conname FROM pg_constraint AS c JOIN pg_namespace AS n ON n.oid = c.connamespace
            WHERE n.nspname = 'reports' AND NOT c.convalidated
            """));
        Assert.Contains("WHERE (status = ANY (ARRAY['retrying'::text, 'waiting'::text]))",
            (await RowsAsync(first, "SELECT indexdef FROM pg_indexes WHERE indexname = 'jobs_due_retries'")).Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_no_transaction_migration_run_again_leaves_the_schema_as_it_was()
    {
        await using var database = NpgsqlDataSource.Create(await IsolatedDatabase.CreateAsync(infrastructure));
        var before = await SchemaAsync(database);
        var again = Migrator.Migrations().Where(m => m.NoTransaction).ToList();
        Assert.NotEmpty(again);
        foreach (var statement in again.SelectMany(m => Migrator.Statements(m.Sql)))
        {
            await using var command = database.CreateCommand(statement);
            await command.ExecuteNonQueryAsync();
        }

        Assert.Equal(before, await SchemaAsync(database));
    }

    private async Task<string> EmptyDatabaseAsync()
    {
        await infrastructure.SystemAsync();
        return await infrastructure.CreateEmptyDatabaseAsync("migrate");
    }

    /// <summary>The reports schema as text: columns (in order), indexes, constraints, functions.</summary>
    private static async Task<IReadOnlyList<string>> SchemaAsync(NpgsqlDataSource database) => await RowsAsync(database, """
        SELECT 'column ' || table_name || '.' || column_name || ' ' || ordinal_position || ' ' || data_type || ' ' || coalesce(column_default, '') || ' ' || is_nullable
        FROM information_schema.columns WHERE table_schema = 'reports'
        UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'reports'
        UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(c.oid) || ' ' || c.convalidated
        FROM pg_constraint AS c JOIN pg_namespace AS n ON n.oid = c.connamespace WHERE n.nspname = 'reports'
        UNION ALL SELECT 'function ' || p.proname || ' ' || md5(p.prosrc) FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace WHERE n.nspname = 'reports'
        ORDER BY 1
        """);

    private static async Task<IReadOnlyList<string>> RowsAsync(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    [GeneratedRegex(@"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w.]+)", RegexOptions.IgnoreCase)]
    private static partial Regex CreatedTable();

    [GeneratedRegex(@"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?!CONCURRENTLY)(?:IF\s+NOT\s+EXISTS\s+)?\w+\s+ON\s+([\w.]+)", RegexOptions.IgnoreCase)]
    private static partial Regex PlainIndex();

    [GeneratedRegex(@"\bCONCURRENTLY\b", RegexOptions.IgnoreCase)]
    private static partial Regex ConcurrentIndex();

    [GeneratedRegex(@"ADD\s+CONSTRAINT\s+\w+\s+CHECK\s*\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)(\s+NOT\s+VALID)?", RegexOptions.IgnoreCase)]
    private static partial Regex AddedCheck();
}
