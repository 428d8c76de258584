using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Reports.LocalServers;

namespace Reports.AppHost.BackingServices;

/// <summary>What the local-process servers share: loopback, one TCP endpoint on a port free at start, a health check.</summary>
internal static class LocalServer
{
    public const string EndpointName = "tcp";

    /// <summary>The servers listen on IPv4 loopback only; "localhost" could resolve to ::1 first.</summary>
    public const string Host = "127.0.0.1";

    /// <summary>
    /// Adds the server with its endpoint on a port that is free now (not proxied: every Redis and PostgreSQL round trip
    /// of the services goes straight to the server, as in production) and the health check that WaitFor waits on.
    /// </summary>
    public static IResourceBuilder<T> AddLocalServer<T>(
        this IDistributedApplicationBuilder builder, T resource, Func<int, CancellationToken, Task<bool>> isHealthy)
        where T : ExecutableResource
    {
        Directory.CreateDirectory(resource.WorkingDirectory);
        var port = FreePort.Next();
        var healthCheck = $"{resource.Name}_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(healthCheck, async cancellationToken =>
        {
            try
            {
                return await isHealthy(port, cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy($"{resource.Name} does not answer", e);
            }
        });
        return builder.AddResource(resource)
            .WithEndpoint(port: port, targetPort: port, scheme: "tcp", name: EndpointName, isProxied: false)
            .WithHealthCheck(healthCheck)
            .WithRestartOnCrash()
            .ExcludeFromManifest();
    }
}
