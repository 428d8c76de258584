using System.Globalization;
using System.Security.Cryptography;
using Npgsql;

namespace Reports.LocalServers;

/// <summary>
/// A PostgreSQL cluster kept in one folder: initialised once, then started on loopback.
/// PostgreSQL refuses to run as root, so on a root machine it runs as the <c>postgres</c> user (see <see cref="AsPostgresUser"/>).
/// </summary>
public sealed class PostgresServer(ChildProcess process, int port, string directory, string password) : IAsyncDisposable
{
    private const string Superuser = "postgres";

    public ChildProcess Process { get; } = process;

    public int Port { get; } = port;

    public string Password { get; } = password;

    public string ConnectionStringFor(string database) => ConnectionStringFor("127.0.0.1", Port, Password, database);

    public static async Task<PostgresServer> StartAsync(
        string directory, int port, Action<string> onOutput, CancellationToken cancellationToken, bool durable = true)
    {
        var password = Prepare(directory);
        if (!IsInitialized(directory))
        {
            await ServerLaunch.InitializeAsync("initdb", InitCommand(directory), directory, onOutput, cancellationToken);
        }

        return await ServerLaunch.StartAsync("postgres", ServerCommand(directory, port.ToString(CultureInfo.InvariantCulture), durable), directory, onOutput,
            process => new PostgresServer(process, port, directory, password),
            (server, c) => server.CanConnectAsync(c),
            server => server.StopAsync(TimeSpan.FromSeconds(10)),
            cancellationToken);
    }

    /// <summary>The connection string of the superuser on a local server.</summary>
    public static string ConnectionStringFor(string host, object port, string password, string database) =>
        $"Host={host};Port={port};Username={Superuser};Password={password};Database={database}";

    /// <summary>
    /// Makes the cluster's folder ready for the server (its password kept in <c>pw</c>, made once, so a cluster kept
    /// across runs keeps its password; as root, the folder handed to the postgres user) and returns the password.
    /// </summary>
    public static string Prepare(string directory)
    {
        var passwordFile = Path.Combine(directory, "pw");
        Directory.CreateDirectory(directory);
        if (!File.Exists(passwordFile))
        {
            PrivateFile.WriteAllText(passwordFile, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + "\n");
        }

        var password = PrivateFile.ReadAllText(passwordFile);
        if (password.Length == 0)
        {
            throw new InvalidOperationException($"{passwordFile} is empty (a write cut short?). Restore the cluster's password there, or delete the folder {directory} to start a new cluster.");
        }

        HandOver(directory);
        return password;
    }

    public static bool IsInitialized(string directory) => File.Exists(Path.Combine(directory, "data", "PG_VERSION"));

    /// <summary>initdb of a UTF-8 cluster whose superuser signs in with the password in <c>pw</c> over TCP.</summary>
    public static (string Program, IReadOnlyList<object> Arguments) InitCommand(string directory) =>
        AsPostgresUser(Path.Combine(ToolPaths.PostgresBin, "initdb"),
        [
            "-D", Path.Combine(directory, "data"), "-U", Superuser, "-E", "UTF8", "--locale=C.UTF-8",
            "--auth-local=trust", "--auth-host=scram-sha-256", $"--pwfile={Path.Combine(directory, "pw")}", "-N",
        ]);

    /// <summary>
    /// The postmaster on loopback; <paramref name="port"/> is a number or, in the AppHost, the endpoint's port resolved at
    /// launch. Not <paramref name="durable"/> (tests): no fsync, which a crash of the machine would not survive.
    /// </summary>
    public static (string Program, IReadOnlyList<object> Arguments) ServerCommand(string directory, object port, bool durable)
    {
        List<object> settings =
        [
            "-D", Path.Combine(directory, "data"),
            "-c", "listen_addresses=127.0.0.1",
            "-c", "unix_socket_directories=", // TCP only: a socket path over 107 bytes (a long --data-dir) would stop the server
            "-c", "max_connections=400", // room for the benchmark's peers at 2 × 50 beside ours (./reports bench --slots 50)
            "-p", port,
        ];
        if (!durable)
        {
            settings.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }

        return AsPostgresUser(Path.Combine(ToolPaths.PostgresBin, "postgres"), settings);
    }

    public Task<bool> CanConnectAsync(CancellationToken cancellationToken) => CanConnectAsync(ConnectionStringFor("postgres"), cancellationToken);

    /// <summary>True once a session opens and answers a query; throws when the server does not answer.</summary>
    public static async Task<bool> CanConnectAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false;Timeout=3");
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        await command.ExecuteScalarAsync(cancellationToken);
        return true;
    }

    public Task EnsureDatabaseAsync(string database, CancellationToken cancellationToken) =>
        EnsureDatabaseAsync(ConnectionStringFor("postgres"), database, cancellationToken);

    /// <summary>Creates <paramref name="database"/> when missing, as the superuser of <paramref name="adminConnectionString"/>.</summary>
    public static async Task EnsureDatabaseAsync(string adminConnectionString, string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.AddWithValue(database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Fast shutdown: SIGINT to the postmaster ends sessions and stops cleanly (SIGTERM would wait for clients).</summary>
    public Task StopAsync(TimeSpan deadline) => Process.StopAsync(deadline, Signals.SigInt, PostmasterPid());

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(15));
        await Process.DisposeAsync();
    }

    private int? PostmasterPid()
    {
        var pidFile = Path.Combine(directory, "data", "postmaster.pid");
        try
        {
            var first = File.ReadLines(pidFile).FirstOrDefault();
            return int.TryParse(first, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    /// <summary>
    /// PostgreSQL refuses to run as root: as root, <c>setpriv</c> switches to the postgres user and execs the program (no
    /// wrapper process stays between the caller and the server, so its pid and signals are the server's own).
    /// </summary>
    private static (string Program, IReadOnlyList<object> Arguments) AsPostgresUser(string program, IReadOnlyList<object> arguments) =>
        IsRoot
            ? ("setpriv", ["--reuid=" + Superuser, "--regid=" + Superuser, "--init-groups", "--", program, .. arguments])
            : (program, arguments);

    /// <summary>As root, give the folder to the postgres user and let it through every parent folder.</summary>
    private static void HandOver(string directory)
    {
        if (!IsRoot)
        {
            return;
        }

        using (var chown = System.Diagnostics.Process.Start("chown", ["-R", $"{Superuser}:{Superuser}", directory]))
        {
            chown.WaitForExit();
        }

        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        for (var parent = Directory.GetParent(directory); parent is not null; parent = parent.Parent)
        {
            var mode = File.GetUnixFileMode(parent.FullName);
            if (!mode.HasFlag(UnixFileMode.OtherExecute))
            {
                File.SetUnixFileMode(parent.FullName, mode | UnixFileMode.OtherExecute);
            }
        }
    }
}
