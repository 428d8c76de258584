using System.Data.Common;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Reports.AppHost.Processes;

/// <summary>
/// Health checks for servers given by connection string (the AppHost did not start them): each connects the way
/// the services will, and a short description of where the server is, for the console.
/// </summary>
internal static class ConnectionProbes
{
    private const int DefaultRedisPort = 6379;

    /// <summary>Redis answers PING (or asks for AUTH: it is up, and the services bring the password).</summary>
    public static async Task<bool> RedisAnswersAsync(string connectionString, CancellationToken cancellationToken)
    {
        var (host, port) = RedisEndpoint(connectionString);
        using var client = new TcpClient();
        await client.ConnectAsync(host, port, cancellationToken);
        if (connectionString.Contains("ssl=true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var stream = client.GetStream();
        await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer, cancellationToken);
        var reply = Encoding.ASCII.GetString(buffer, 0, read);
        return reply.StartsWith("+PONG", StringComparison.Ordinal) || reply.StartsWith("-NOAUTH", StringComparison.Ordinal);
    }

    public static async Task<bool> PostgresAnswersAsync(string connectionString, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 5 };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return true;
    }

    /// <summary>Any HTTP answer from the blob endpoint (403 without a signature included) means it is up.</summary>
    public static Task<bool> BlobsAnswerAsync(string connectionString, CancellationToken cancellationToken) =>
        HttpHealthProbe.AnswersAt(BlobEndpoint(connectionString))(cancellationToken);

    public static string DescribeRedis(string connectionString)
    {
        var (host, port) = RedisEndpoint(connectionString);
        return $"{host}:{port.ToString(CultureInfo.InvariantCulture)}";
    }

    public static string DescribePostgres(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{builder.Host}:{builder.Port.ToString(CultureInfo.InvariantCulture)}/{builder.Database}";
    }

    public static string DescribeBlobs(string connectionString) => BlobEndpoint(connectionString).ToString();

    private static (string Host, int Port) RedisEndpoint(string connectionString)
    {
        // StackExchange.Redis form: "host:port,option=value,…"; the first part without '=' is the endpoint.
        var endpoint = connectionString.Split(',', StringSplitOptions.TrimEntries).FirstOrDefault(part => part.Length > 0 && !part.Contains('=', StringComparison.Ordinal))
            ?? throw new FormatException($"No host:port in the Redis connection string.");
        var colon = endpoint.LastIndexOf(':');
        return colon > 0 && int.TryParse(endpoint[(colon + 1)..], CultureInfo.InvariantCulture, out var port)
            ? (endpoint[..colon], port)
            : (endpoint, DefaultRedisPort);
    }

    /// <summary>The blob endpoint of an Azure Storage connection string, or the string itself when it is a service URI.</summary>
    private static Uri BlobEndpoint(string connectionString)
    {
        if (Uri.TryCreate(connectionString, UriKind.Absolute, out var serviceUri))
        {
            return serviceUri;
        }

        var parts = new DbConnectionStringBuilder { ConnectionString = connectionString };
        string? Part(string key) => parts.TryGetValue(key, out var value) ? value as string : null;
        if (Part("BlobEndpoint") is { } blobEndpoint)
        {
            return new Uri(blobEndpoint);
        }

        if (string.Equals(Part("UseDevelopmentStorage"), "true", StringComparison.OrdinalIgnoreCase))
        {
            return new Uri("http://127.0.0.1:10000/devstoreaccount1");
        }

        var account = Part("AccountName") ?? throw new FormatException("The blob connection string has neither BlobEndpoint nor AccountName.");
        return new Uri($"{Part("DefaultEndpointsProtocol") ?? "https"}://{account}.blob.{Part("EndpointSuffix") ?? "core.windows.net"}/");
    }
}
