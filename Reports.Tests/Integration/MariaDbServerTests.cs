using MySqlConnector;

namespace Reports.Tests.Integration;

/// <summary>The local MariaDB server: its reader cannot write, a read-only session cannot either, and it survives a kill.</summary>
[Collection(IntegrationGroup.Name)]
public sealed class MariaDbServerTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task The_reader_account_cannot_write_the_sales_database()
    {
        var server = await infrastructure.MariaDb.ServerAsync();
        var table = await CreateTableAsync(server.WriterConnectionString);

        await using var reader = new MySqlConnection(server.ReaderConnectionString);
        await reader.OpenAsync();
        Assert.Equal(0L, await ScalarAsync(reader, $"SELECT COUNT(*) FROM {table}"));
        var refused = await Assert.ThrowsAsync<MySqlException>(() => ScalarAsync(reader, $"INSERT INTO {table} (id) VALUES (1)"));

        Assert.Equal(MySqlErrorCode.TableAccessDenied, refused.ErrorCode);
    }

    [Fact]
    public async Task A_read_only_session_refuses_an_insert_even_from_the_writer()
    {
        var server = await infrastructure.MariaDb.ServerAsync();
        var table = await CreateTableAsync(server.WriterConnectionString);

        await using var writer = new MySqlConnection(server.WriterConnectionString);
        await writer.OpenAsync();
        await ScalarAsync(writer, "SET SESSION TRANSACTION READ ONLY");
        var refused = await Assert.ThrowsAsync<MySqlException>(() => ScalarAsync(writer, $"INSERT INTO {table} (id) VALUES (1)"));

        Assert.Equal(MySqlErrorCode.CannotExecuteInReadOnlyTransaction, refused.ErrorCode);
        Assert.Equal(0L, await ScalarAsync(writer, $"SELECT COUNT(*) FROM {table}"));
    }

    [Fact]
    public async Task A_killed_server_starts_again_on_the_same_data()
    {
        var server = await infrastructure.MariaDb.ServerAsync();
        var table = await CreateTableAsync(server.WriterConnectionString);
        await using (var writer = new MySqlConnection(server.WriterConnectionString))
        {
            await writer.OpenAsync();
            await ScalarAsync(writer, $"INSERT INTO {table} (id) VALUES (1), (2), (3)");
        }

        var killedPid = server.Process.Id;
        var restarted = await infrastructure.MariaDb.KillAndRestartAsync();

        Assert.NotEqual(killedPid, restarted.Process.Id);
        Assert.Equal(server.Port, restarted.Port);
        await using var reader = new MySqlConnection(restarted.ReaderConnectionString);
        await reader.OpenAsync();
        Assert.Equal(6m, await ScalarAsync(reader, $"SELECT SUM(id) FROM {table}"));
    }

    /// <summary>A table of the test's own in the server's sales database.</summary>
    private static async Task<string> CreateTableAsync(string writerConnectionString)
    {
        var table = "probe_" + Guid.NewGuid().ToString("N")[..12];
        await using var writer = new MySqlConnection(writerConnectionString);
        await writer.OpenAsync();
        await ScalarAsync(writer, $"CREATE TABLE {table} (id INT PRIMARY KEY)");
        return table;
    }

    private static async Task<object?> ScalarAsync(MySqlConnection connection, string sql)
    {
        await using var command = new MySqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
