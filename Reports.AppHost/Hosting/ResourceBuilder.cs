namespace Reports.AppHost.Hosting;

/// <summary>A resource being declared, with the builder it belongs to (Aspire's <c>IResourceBuilder&lt;T&gt;</c>).</summary>
internal interface IResourceBuilder<out T> where T : Resource
{
    DistributedApplicationBuilder ApplicationBuilder { get; }

    T Resource { get; }
}

internal sealed class ResourceBuilder<T>(DistributedApplicationBuilder applicationBuilder, T resource) : IResourceBuilder<T>
    where T : Resource
{
    public DistributedApplicationBuilder ApplicationBuilder { get; } = applicationBuilder;

    public T Resource { get; } = resource;
}

internal static class ResourceBuilderExtensions
{
    /// <summary>Starts this resource only once <paramref name="dependency"/> is healthy.</summary>
    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, IResourceBuilder<Resource> dependency)
        where T : Resource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(dependency);
        builder.Resource.AddWait(new WaitAnnotation(dependency.Resource, WaitKind.Healthy));
        return builder;
    }

    /// <summary>
    /// Starts this resource only once the one-shot <paramref name="dependency"/> has exited with code 0; if it exits
    /// otherwise the AppHost reports it and stops. The dependency is then run once, never restarted.
    /// </summary>
    public static IResourceBuilder<T> WaitForCompletion<T>(this IResourceBuilder<T> builder, IResourceBuilder<ProjectResource> dependency)
        where T : Resource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(dependency);
        dependency.Resource.RunsToCompletion = true;
        builder.Resource.AddWait(new WaitAnnotation(dependency.Resource, WaitKind.Completion));
        return builder;
    }
}
