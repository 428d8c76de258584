using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MySqlConnector;

namespace Reports.LocalServers;

/// <summary>
/// A MariaDB server kept in one folder, holding the <c>sales</c> database: initialised once with mariadb-install-db,
/// then started on loopback with TCP only. Its accounts (see <see cref="MariaDbAccounts"/>) are set by an init file at
/// every start, so the passwords in the folder always hold.
/// </summary>
public sealed class MariaDbServer(ChildProcess process, int port, MariaDbAccounts accounts) : IAsyncDisposable
{
    public const string Database = "sales";
    public const string Writer = "sales_writer";
    public const string Reader = "sales_reader";

    /// <summary>
    /// Text compares by code point with no padding, as PostgreSQL's text in a "C" or C.UTF-8 database does, so an ORDER BY
    /// on a text key returns rows in the same order from both (utf8mb4_bin would ignore trailing spaces).
    /// </summary>
    public const string Collation = "utf8mb4_nopad_bin";

    public ChildProcess Process { get; } = process;

    public int Port { get; } = port;

    public MariaDbAccounts Accounts { get; } = accounts;

    /// <summary>The account that creates and seeds the tables of <see cref="Database"/>.</summary>
    public string WriterConnectionString => ConnectionStringFor(LoopbackHost, Port, Writer, Accounts.WriterPassword);

    /// <summary>The account reports read with: SELECT on <see cref="Database"/> only.</summary>
    public string ReaderConnectionString => ConnectionStringFor(LoopbackHost, Port, Reader, Accounts.ReaderPassword);

    public string RootConnectionString => ConnectionStringFor(LoopbackHost, Port, "root", Accounts.RootPassword);

    private const string LoopbackHost = "127.0.0.1";

    public static async Task<MariaDbServer> StartAsync(
        string directory, int port, Action<string> onOutput, CancellationToken cancellationToken, bool durable = true)
    {
        var accounts = Prepare(directory);
        if (!IsInitialized(directory))
        {
            await ServerLaunch.InitializeAsync("mariadb-install-db", InitCommand(directory), directory, onOutput, cancellationToken);
        }

        return await ServerLaunch.StartAsync("mariadb", ServerCommand(directory, port.ToString(CultureInfo.InvariantCulture), durable), directory, onOutput,
            process => new MariaDbServer(process, port, accounts),
            (server, c) => CanConnectAsync(server.WriterConnectionString, c),
            server => server.StopAsync(TimeSpan.FromSeconds(10)),
            cancellationToken);
    }

    /// <summary>A MySqlConnector connection string to <see cref="Database"/>.</summary>
    public static string ConnectionStringFor(string host, object port, string user, string password) =>
        $"Server={host};Port={port};User ID={user};Password={password};Database={Database}";

    /// <summary>
    /// Makes the folder ready for the server: the accounts' passwords (made once, kept in <c>passwords</c>), the init file
    /// that sets them at start, the only folder the server may read or write files in, and no half-initialised data
    /// folder (an interrupted mariadb-install-db is run again from scratch).
    /// </summary>
    public static MariaDbAccounts Prepare(string directory)
    {
        Directory.CreateDirectory(directory);
        Directory.CreateDirectory(Path.Combine(directory, "files"));
        Directory.CreateDirectory(TempFolder(directory));
        var accounts = MariaDbAccounts.LoadOrCreate(Path.Combine(directory, "passwords"));
        PrivateFile.WriteAllText(InitFile(directory), accounts.InitSql(Database, Collation));
        if (!IsInitialized(directory) && Directory.Exists(DataFolder(directory)))
        {
            Directory.Delete(DataFolder(directory), recursive: true);
        }

        return accounts;
    }

    /// <summary>mariadb-install-db writes mysql_upgrade_info once the system tables are in place.</summary>
    public static bool IsInitialized(string directory) => File.Exists(Path.Combine(DataFolder(directory), "mysql_upgrade_info"));

    public static (string Program, IReadOnlyList<object> Arguments) InitCommand(string directory) =>
        (ToolPaths.MariaDbInstallDb,
        [
            "--no-defaults", // first, or it is ignored: never read the package's /etc/mysql settings
            $"--datadir={DataFolder(directory)}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--skip-name-resolve",
            "--innodb-log-file-size=32M",
            $"--tmpdir={TempFolder(directory)}",
            .. RunAs,
        ]);

    /// <summary>
    /// mariadbd on loopback; <paramref name="port"/> is a number or, in the AppHost, the endpoint's port resolved at
    /// launch. Not <paramref name="durable"/> (tests): the log is written at each commit but not flushed to disk.
    /// </summary>
    public static (string Program, IReadOnlyList<object> Arguments) ServerCommand(string directory, object port, bool durable)
    {
        List<object> arguments =
        [
            "--no-defaults",
            $"--datadir={DataFolder(directory)}",
            "--bind-address=127.0.0.1",
            "--port", port,
            // An abstract socket (no file): a socket path in a long data folder would pass the 107-byte limit.
            $"--socket=@reports-mariadb-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(directory)))[..16]}",
            $"--pid-file={Path.Combine(directory, "mariadbd.pid")}",
            $"--init-file={InitFile(directory)}",
            $"--secure-file-priv={Path.Combine(directory, "files")}",
            "--skip-name-resolve",
            "--character-set-server=utf8mb4",
            $"--collation-server={Collation}",
            "--default-time-zone=+00:00",
            "--local-infile=1",
            "--max-connections=200",
            "--innodb-log-file-size=32M",
            $"--tmpdir={TempFolder(directory)}",
            .. RunAs,
        ];
        if (!durable)
        {
            arguments.AddRange(["--innodb-flush-log-at-trx-commit=2", "--innodb-doublewrite=0"]); // survives a killed server, not a crashed machine
        }

        return (ToolPaths.MariaDbServer, arguments);
    }

    /// <summary>True once a session opens and answers a query; throws when the server does not answer.</summary>
    public static async Task<bool> CanConnectAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(connectionString + ";Pooling=false;Connection Timeout=3");
        await connection.OpenAsync(cancellationToken);
        await using var command = new MySqlCommand("SELECT 1", connection);
        await command.ExecuteScalarAsync(cancellationToken);
        return true;
    }

    /// <summary>SIGTERM: mariadbd ends its sessions and shuts InnoDB down cleanly.</summary>
    public Task StopAsync(TimeSpan deadline) => Process.StopAsync(deadline);

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(30));
        await Process.DisposeAsync();
    }

    private static string DataFolder(string directory) => Path.Combine(directory, "data");

    private static string InitFile(string directory) => Path.Combine(directory, "init.sql");

    /// <summary>
    /// The server's own temporary folder: servers that share /tmp collide on their temporary tables' files, and a
    /// mariadb-install-db run beside another fails (<c>Unknown table 'mysql.tmp_user_sys'</c>).
    /// </summary>
    private static string TempFolder(string directory) => Path.Combine(directory, "tmp");

    /// <summary>As root, mariadbd must be told to stay root (it refuses otherwise); its data folder is root's alone.</summary>
    private static IReadOnlyList<object> RunAs => Environment.UserName == "root" ? ["--user=root"] : [];
}
