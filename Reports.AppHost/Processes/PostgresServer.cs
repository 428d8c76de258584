using System.Globalization;
using System.Security.Cryptography;
using Npgsql;

namespace Reports.AppHost.Processes;

/// <summary>
/// A PostgreSQL cluster kept in one folder: initialised once, then started on loopback.
/// PostgreSQL refuses to run as root, so on a root machine it runs as the <c>postgres</c> user through runuser.
/// </summary>
internal sealed class PostgresServer(ChildProcess process, int port, string directory, string password) : IAsyncDisposable
{
    private const string Superuser = "postgres";

    public ChildProcess Process { get; } = process;

    public int Port { get; } = port;

    public string Password { get; } = password;

    public string ConnectionStringFor(string database) =>
        $"Host=127.0.0.1;Port={Port};Username={Superuser};Password={Password};Database={database}";

    public static async Task<PostgresServer> StartAsync(
        string directory, int port, Action<string> onOutput, CancellationToken cancellationToken, bool durable = true)
    {
        var bin = ToolPaths.PostgresBin;
        var dataDirectory = Path.Combine(directory, "data");
        var socketDirectory = Path.Combine(directory, "sock");
        var passwordFile = Path.Combine(directory, "pw");
        Directory.CreateDirectory(socketDirectory);
        if (!File.Exists(passwordFile))
        {
            await File.WriteAllTextAsync(passwordFile, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + "\n", cancellationToken);
        }

        var password = (await File.ReadAllTextAsync(passwordFile, cancellationToken)).Trim();
        await HandOverAsync(directory, cancellationToken);

        if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            var init = ChildProcess.Start(RunAs(), RunAsArguments(Path.Combine(bin, "initdb"),
                "-D", dataDirectory, "-U", Superuser, "-E", "UTF8", "--locale=C.UTF-8",
                "--auth-local=trust", "--auth-host=scram-sha-256", $"--pwfile={passwordFile}", "-N"), onOutput, directory);
            var code = await init.Exited.WaitAsync(cancellationToken);
            if (code != 0)
            {
                throw new InvalidOperationException($"initdb failed with exit code {code}; its output is in the postgres log above.");
            }
        }

        List<string> settings =
        [
            "-D", dataDirectory,
            "-c", $"port={port.ToString(CultureInfo.InvariantCulture)}",
            "-c", "listen_addresses=127.0.0.1",
            "-c", $"unix_socket_directories={socketDirectory}",
            "-c", "max_connections=200",
        ];
        if (!durable)
        {
            settings.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }

        var process = ChildProcess.Start(RunAs(), RunAsArguments(Path.Combine(bin, "postgres"), [.. settings]), onOutput, directory);
        var server = new PostgresServer(process, port, directory, password);
        try
        {
            await Readiness.WaitAsync("postgres", process, server.CanConnectAsync, TimeSpan.FromSeconds(60), cancellationToken);
        }
        catch
        {
            // Not ready (exited, too slow, or the start was cancelled): leave no process behind.
            await server.StopAsync(TimeSpan.FromSeconds(10));
            throw;
        }

        return server;
    }

    public async Task<bool> CanConnectAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres") + ";Pooling=false;Timeout=3");
        await connection.OpenAsync(cancellationToken);
        return true;
    }

    public async Task EnsureDatabaseAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres") + ";Pooling=false");
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

    private static string RunAs() => IsRoot ? "runuser" : "env";

    private static string[] RunAsArguments(string program, params string[] arguments) =>
        IsRoot ? ["-u", Superuser, "--", program, .. arguments] : [program, .. arguments];

    /// <summary>As root, give the folder to the postgres user and let it through every parent folder.</summary>
    private static async Task HandOverAsync(string directory, CancellationToken cancellationToken)
    {
        if (!IsRoot)
        {
            return;
        }

        var chown = ChildProcess.Start("chown", ["-R", $"{Superuser}:{Superuser}", directory], _ => { });
        await chown.Exited.WaitAsync(cancellationToken);
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
