using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Reports.LocalServers;

namespace Reports.Hosting;

/// <summary>What every backing service shares: a given connection string, a health check, the local-process form.</summary>
public static class LocalServer
{
    /// <summary>
    /// Adds the server with its endpoint on a port that is free now (not proxied: every round trip of the services goes
    /// straight to the server, as in production), its <paramref name="arguments"/> given the port at launch, the health
    /// check that WaitFor waits on, and a restart after a crash.
    /// </summary>
    public static IResourceBuilder<LocalServerResource> AddLocalServer(
        this IDistributedApplicationBuilder builder, string name, string program, string directory, Func<object, IEnumerable<object>> arguments,
        Func<EndpointReferenceExpression, ReferenceExpression> connectionString, Func<int, CancellationToken, Task<bool>> answers)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Directory.CreateDirectory(directory);
        var port = FreePort.Next();
        var server = new LocalServerResource(name, program, directory, connectionString);
        return builder.AddResource(server)
            .WithArgs(context => AddAll(context.Args, arguments(server.Endpoint.Property(EndpointProperty.TargetPort))))
            .WithEndpoint(port: port, targetPort: port, scheme: "tcp", name: LocalServerResource.EndpointName, isProxied: false)
            .WithHealthCheck(builder.AddHealthCheck(name, cancellationToken => answers(port, cancellationToken)))
            .WithRestartOnCrash()
            .ExcludeFromManifest();
    }

    /// <summary>Initialises the data folder once (initdb, mariadb-install-db) by a one-shot resource the server waits for.</summary>
    public static IResourceBuilder<LocalServerResource> WithInitOnce(
        this IResourceBuilder<LocalServerResource> server, bool initialized, Func<(string Program, IReadOnlyList<object> Arguments)> command)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (initialized)
        {
            return server; // a kept folder starts at once
        }

        var (program, arguments) = command();
        return server.WaitForCompletion(server.ApplicationBuilder.AddExecutable($"{server.Resource.Name}-init", program, server.Resource.WorkingDirectory)
            .WithArgs([.. arguments]).ExcludeFromManifest());
    }

    /// <summary>
    /// A health check for WaitFor and the dashboard: healthy when <paramref name="answers"/> says so; unhealthy when it
    /// says not, or throws (a server not up yet refuses the connection).
    /// </summary>
    public static string AddHealthCheck(this IDistributedApplicationBuilder builder, string resourceName, Func<CancellationToken, Task<bool>> answers)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var key = $"{resourceName}_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(key, async cancellationToken =>
        {
            try
            {
                return await answers(cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy($"{resourceName} does not answer");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy($"{resourceName} does not answer", e);
            }
        });
        return key;
    }

    /// <summary>
    /// A backing service by what the machine has: the server whose connection string was given to the AppHost
    /// (<c>ConnectionStrings__NAME</c>) and none of ours; else <paramref name="container"/> where containers run; else
    /// <paramref name="local"/>, a local process with its data under the data folder.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddBackingService(
        this IDistributedApplicationBuilder builder, string name, BackingServiceOptions options,
        Func<IResourceBuilder<IResourceWithConnectionString>> container, Func<IResourceBuilder<IResourceWithConnectionString>> local)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(local);
        return builder.IsGiven(name) ? builder.AddConnectionString(name) : options.Containers ? container() : local();
    }

    /// <summary>A connection string given to the AppHost (<c>ConnectionStrings__NAME</c>) means that server and none of ours.</summary>
    public static bool IsGiven(this IDistributedApplicationBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(name));
    }

    internal static void AddAll(IList<object> args, IEnumerable<object> values)
    {
        foreach (var value in values)
        {
            args.Add(value);
        }
    }
}
