using Reports.AppHost.Processes;

namespace Reports.AppHost.Hosting;

/// <summary>Redis: a redis-server on a loopback port with its append-only file in <see cref="DataDirectory"/>.</summary>
internal sealed class RedisResource(string name, int port, string dataDirectory, string? givenConnectionString)
    : Resource(name), IResourceWithConnectionString
{
    public override string Type => "Redis";

    public int Port { get; } = port;

    public string DataDirectory { get; } = dataDirectory;

    public string? GivenConnectionString { get; } = givenConnectionString;

    public bool IsGiven => GivenConnectionString is not null;

    /// <summary>StackExchange.Redis form, <c>host:port</c>, as Aspire gives it.</summary>
    public string GetConnectionString() => GivenConnectionString ?? $"127.0.0.1:{Port}";
}

internal static class RedisBuilderExtensions
{
    public static IResourceBuilder<RedisResource> AddRedis(this DistributedApplicationBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var given = builder.Options.GivenConnectionString(name);
        var port = given is null ? FreePort.Next() : 0;
        return builder.AddResource(new RedisResource(name, port, Path.Combine(builder.Options.DataDirectory, name), given));
    }
}
