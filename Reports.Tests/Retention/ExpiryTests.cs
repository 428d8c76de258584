using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Reports.Core.Generation;
using Reports.Core.Retention;
using Reports.Tests.Integration;

namespace Reports.Tests.Retention;

/// <summary>Expiry against real servers, on a database of its own so the collection's worker does not expire its rows.</summary>
[Collection(IntegrationGroup.Name)]
public sealed class ExpiryTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task No_row_stays_locked_while_the_blob_delete_waits_on_storage()
    {
        var system = await infrastructure.SystemAsync();
        await using var database = NpgsqlDataSource.Create(await IsolatedDatabase.CreateAsync(infrastructure));
        var job = Guid.NewGuid();
        var blob = $"{job:N}.csv";
        var container = new BlobServiceClient(infrastructure.BlobConnectionString).GetBlobContainerClient("reports");
        await container.CreateIfNotExistsAsync();
        await container.UploadBlobAsync(blob, BinaryData.FromString("past its retention"));
        await using (var insert = database.CreateCommand("""
            INSERT INTO reports.jobs (id, owner, report_type, format, parameters, parameters_hash, queue, status, max_attempts, blob_name, expires_at)
            VALUES ($1, 'expiry', 'orders', 'csv', '{}', 'x', 'reports', 'succeeded', 1, $2, now() - interval '1 minute')
            """))
        {
            insert.Parameters.AddWithValue(job);
            insert.Parameters.AddWithValue(blob);
            await insert.ExecuteNonQueryAsync();
        }

        var cleaner = new RetentionCleaner(database, system.WorkerServices.GetRequiredService<IReportFiles>(),
            new BlobServiceClient(infrastructure.BlobConnectionString), Options.Create(new RetentionOptions()), TimeProvider.System,
            NullLogger<RetentionCleaner>.Instance);
        Task<int> expiring;
        infrastructure.PauseBlobs();
        try
        {
            expiring = cleaner.ExpireDueAsync(CancellationToken.None);
            // The cleaner has claimed the row and is now waiting on storage, which does not answer. Meanwhile the row
            // must be free: another statement can lock it at once.
            await Engine.FaultSystem.EventuallyAsync(async () =>
            {
                Assert.True(await CanLockAsync(database, job), "the job's row is locked while its blob is deleted over the network");
                return await ClaimedAsync(database, job);
            }, "the cleaner claims the expired report");
            Assert.False(expiring.IsCompleted);
            Assert.True(await CanLockAsync(database, job), "the job's row is locked while its blob is deleted over the network");
        }
        finally
        {
            infrastructure.ResumeBlobs();
        }

        Assert.Equal(1, await expiring);
        await using var status = database.CreateCommand("SELECT status FROM reports.jobs WHERE id = $1");
        status.Parameters.AddWithValue(job);
        Assert.Equal("expired", (string?)await status.ExecuteScalarAsync());
        Assert.False((await container.GetBlobClient(blob).ExistsAsync()).Value);
    }

    private static async Task<bool> CanLockAsync(NpgsqlDataSource database, Guid job)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand("SELECT id FROM reports.jobs WHERE id = $1 FOR UPDATE NOWAIT", connection, transaction);
        command.Parameters.AddWithValue(job);
        try
        {
            await command.ExecuteScalarAsync();
            return true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            return false;
        }
    }

    /// <summary>Whether a cleaner holds the job's claim (read through JSON, so the question has an answer on any schema).</summary>
    private static async Task<bool> ClaimedAsync(NpgsqlDataSource database, Guid job)
    {
        await using var command = database.CreateCommand("SELECT to_jsonb(j) ->> 'expiry_claimed_until' FROM reports.jobs j WHERE id = $1");
        command.Parameters.AddWithValue(job);
        return await command.ExecuteScalarAsync() is string;
    }
}
