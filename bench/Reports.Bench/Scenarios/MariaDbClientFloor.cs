using System.Diagnostics;
using Azure.Storage.Blobs;
using MySqlConnector;

namespace Reports.Bench.Scenarios;

/// <summary>
/// The floor of a CSV export from MariaDB on this machine: the <c>mariadb</c> command-line client streams the same
/// query's rows (<c>--quick</c>: row by row, never the whole result in memory) as tab-separated text, one row a line
/// (batch mode escapes tabs, newlines and backslashes in values, as COPY's CSV quotes them), and its output goes untouched
/// into staged blocks as <see cref="CopyFloor"/> stages PostgreSQL's COPY output. MariaDB has no COPY: the client
/// formatting the text protocol's rows is the cheapest way out of the server.
/// </summary>
internal sealed class MariaDbClientFloor(string connectionString, BlobContainerClient container)
{
    /// <summary>
    /// The orders-mariadb report's query (catalog/mariadb/orders.yaml) with its filters bound, in keyset order. Orders
    /// first (STRAIGHT_JOIN): without a LIMIT, MariaDB 10.11 plans it as a scan of every customer, then a temporary table
    /// and a filesort of every row in tmpdir; the report's pages (a LIMIT each) read orders in index order, and so does this.
    /// </summary>
    public static string Sql(DateTime from, DateTime to) => $"""
        SELECT o.id, o.ordered_at, c.name, o.country, o.status, o.items, o.currency, o.amount
        FROM sales.orders AS o STRAIGHT_JOIN sales.customers AS c ON c.id = o.customer_id
        WHERE o.ordered_at >= '{from:yyyy-MM-dd HH:mm:ss}' AND o.ordered_at < '{to:yyyy-MM-dd HH:mm:ss}'
        ORDER BY o.ordered_at, o.id
        """;

    /// <summary>The client's output piped into staged blocks, then the block list committed. Returns the bytes written.</summary>
    public Task<long> ToBlobAsync(string sql, string blobName, CancellationToken cancellationToken) =>
        RunAsync(sql, output => StagedBlocks.CopyAsync(container, blobName, output, cancellationToken), cancellationToken);

    /// <summary>The client alone, its output dropped: the server's and the client's share of the floor. Returns the bytes read.</summary>
    public Task<long> ToNullAsync(string sql, CancellationToken cancellationToken) =>
        RunAsync(sql, async output =>
        {
            var buffer = new byte[256 * 1024];
            long total = 0;
            int read;
            while ((read = await output.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
            }

            return total;
        }, cancellationToken);

    /// <summary>The client's command line: batch output (tabs, one row a line, special characters escaped), no header, rows streamed.</summary>
    public static ProcessStartInfo Command(string connectionString, string sql)
    {
        var connection = new MySqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo("mariadb")
        {
            ArgumentList =
            {
                "--no-defaults", // first, or it is ignored: never read the machine's /etc/mysql settings
                "--protocol=TCP", $"--host={connection.Server}", $"--port={connection.Port}",
                $"--user={connection.UserID}", $"--database={connection.Database}",
                "--batch", "--skip-column-names", "--quick",
                "--execute", sql,
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["MYSQL_PWD"] = connection.Password; // not on the command line, where ps shows it
        return start;
    }

    private async Task<long> RunAsync(string sql, Func<Stream, Task<long>> consume, CancellationToken cancellationToken)
    {
        using var client = Process.Start(Command(connectionString, sql)) ?? throw new InvalidOperationException("The mariadb client did not start.");
        try
        {
            var errors = client.StandardError.ReadToEndAsync(cancellationToken);
            var bytes = await consume(client.StandardOutput.BaseStream);
            await client.WaitForExitAsync(cancellationToken);
            return client.ExitCode == 0
                ? bytes
                : throw new InvalidOperationException($"The mariadb client exited with code {client.ExitCode}: {(await errors).Trim()}");
        }
        finally
        {
            if (!client.HasExited)
            {
                client.Kill(); // cancelled or failed while it streamed: never leave it behind
            }
        }
    }
}
