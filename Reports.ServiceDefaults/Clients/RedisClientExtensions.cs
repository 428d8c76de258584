using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

public static class RedisClientExtensions
{
    /// <summary>Registers one shared <see cref="IConnectionMultiplexer"/> from <c>ConnectionStrings:{name}</c>, like Aspire's AddRedisClient.</summary>
    public static IHostApplicationBuilder AddRedisClient(this IHostApplicationBuilder builder, string connectionName)
    {
        var clientName = builder.Environment.ApplicationName;
        builder.Services.AddSingleton<IConnectionMultiplexer>(sp =>
        {
            var options = ConfigurationOptions.Parse(ConnectionStrings.Require(sp.GetRequiredService<IConfiguration>(), connectionName));
            // Keep retrying in the background when Redis is down at start or restarts: the API must keep accepting jobs.
            options.AbortOnConnectFail = false;
            options.ConnectTimeout = 5_000;
            options.SyncTimeout = 5_000;
            options.AsyncTimeout = 5_000;
            options.ClientName ??= clientName;
            return ConnectionMultiplexer.Connect(options);
        });
        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>(connectionName, HealthStatus.Unhealthy, ["ready"]);
        return builder;
    }

    private sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var latency = await redis.GetDatabase().PingAsync().WaitAsync(cancellationToken);
                return HealthCheckResult.Healthy($"ping {latency.TotalMilliseconds:0.0} ms");
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("redis does not answer", e);
            }
        }
    }
}
