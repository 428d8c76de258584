namespace Reports.LocalServers;

/// <summary>Azurite's blob service on loopback, the local stand-in for Azure Blob Storage.</summary>
public sealed class AzuriteServer(ChildProcess process, int port) : IAsyncDisposable
{
    /// <summary>Azurite's well-known development account key (public, documented by Microsoft).</summary>
    public const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public const string AccountName = "devstoreaccount1";

    public ChildProcess Process { get; } = process;

    public int Port { get; } = port;

    public string ConnectionString => ConnectionStringFor($"http://127.0.0.1:{Port}");

    public static async Task<AzuriteServer> StartAsync(string? dataDirectory, int port, Action<string> onOutput, CancellationToken cancellationToken)
    {
        var executable = ToolPaths.AzuriteBlob;
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"Azurite is not installed at {executable}: run ./reports up or ./reports test, which install it.");
        }

        var arguments = Arguments(port.ToString(System.Globalization.CultureInfo.InvariantCulture), dataDirectory).Select(a => a.ToString()!);
        var process = ChildProcess.Start(executable, arguments, onOutput);
        var server = new AzuriteServer(process, port);
        try
        {
            await Readiness.WaitAsync("azurite", process, ct => FreePort.AcceptsAsync(port, ct), TimeSpan.FromSeconds(60), cancellationToken);
        }
        catch
        {
            // Not ready (exited, too slow, or the start was cancelled): leave no process behind.
            await server.StopAsync(TimeSpan.FromSeconds(10));
            throw;
        }

        return server;
    }

    /// <summary>The blob service on loopback; its data in <paramref name="dataDirectory"/>, or in memory when null.</summary>
    public static IReadOnlyList<object> Arguments(object port, string? dataDirectory)
    {
        List<object> arguments =
        [
            "--blobHost", "127.0.0.1",
            "--blobPort", port,
            "--skipApiVersionCheck", "--loose", "--disableTelemetry",
        ];
        if (dataDirectory is null)
        {
            arguments.Add("--inMemoryPersistence");
        }
        else
        {
            Directory.CreateDirectory(dataDirectory);
            arguments.AddRange(["--location", dataDirectory]);
        }

        return arguments;
    }

    /// <summary>What every Azurite connection string starts with; its <c>BlobEndpoint</c> (then the account) follows.</summary>
    public const string ConnectionStringPrefix = $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={DevelopmentAccountKey};";

    /// <summary>The connection string of an Azurite blob service on <paramref name="blobEndpoint"/>.</summary>
    public static string ConnectionStringFor(string blobEndpoint) => $"{ConnectionStringPrefix}BlobEndpoint={blobEndpoint}/{AccountName};";

    public Task StopAsync(TimeSpan deadline) => Process.StopAsync(deadline);

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
