using Reports.LocalServers;

namespace Reports.AppHost;

/// <summary>What the AppHost gives the services besides their connection strings.</summary>
internal static class ServiceSettings
{
    private const string ReportsPrefix = "Reports__";
    private const string AuthPrefix = "Reports__Auth__";

    /// <summary>
    /// Every <c>Reports__…</c> variable of the AppHost's environment (<c>Reports__Worker__Queues__reports=4 ./reports up</c>),
    /// with the <c>ConnectionStrings__&lt;source&gt;</c> of each data source they configure, so settings given to the AppHost
    /// reach the services, whatever the orchestrator passes on by itself. The sign-in
    /// settings (<c>Reports__Auth__…</c>: the bootstrap admin key, the identity provider) only to the api, which alone reads
    /// them: the others get them emptied (DCP starts every process with the AppHost's environment), so a secret does not
    /// sit in each service's environment and its dashboard view.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithReportsSettings(this IResourceBuilder<ProjectResource> project, bool signIn = false) =>
        project.WithEnvironment(context =>
        {
            foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
            {
                if (variable.Key is string name && name.StartsWith(ReportsPrefix, StringComparison.Ordinal))
                {
                    var withheld = !signIn && name.StartsWith(AuthPrefix, StringComparison.OrdinalIgnoreCase);
                    context.EnvironmentVariables[name] = withheld ? "" : variable.Value as string ?? "";
                    if (SourceOf(name) is { } source && Environment.GetEnvironmentVariable(ConnectionStringsPrefix + source) is { } connectionString)
                    {
                        context.EnvironmentVariables.TryAdd(ConnectionStringsPrefix + source, connectionString); // a source the AppHost runs keeps its own
                    }
                }
            }
        });

    private const string SourcesPrefix = "Reports__Sources__";
    private const string ConnectionStringsPrefix = "ConnectionStrings__";

    /// <summary>The source a <c>Reports__Sources__&lt;source&gt;__…</c> setting configures, whose connection string goes with it.</summary>
    private static string? SourceOf(string name) =>
        name.StartsWith(SourcesPrefix, StringComparison.Ordinal) && name.IndexOf("__", SourcesPrefix.Length, StringComparison.Ordinal) is var end and > 0
            ? name[SourcesPrefix.Length..end]
            : null;

    /// <summary>
    /// The repository's <c>catalog/</c> folder as the services' report definitions (with <c>catalog/mariadb/</c> when the
    /// MariaDB source runs), so a definition edited there is what <c>./reports up</c> serves from the next start; a
    /// <c>Reports__Catalog__Path</c> given to the AppHost wins.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithCatalog(this IResourceBuilder<ProjectResource> project, bool withMariaDb)
    {
        var catalog = Path.Combine(ToolPaths.RepositoryRoot, "catalog");
        var folders = withMariaDb ? $"{catalog};{Path.Combine(catalog, "mariadb")}" : catalog;
        return project.WithEnvironment(context => context.EnvironmentVariables.TryAdd("Reports__Catalog__Path", folders));
    }

    /// <summary>The api's bootstrap admin key, when the AppHost has one (Development).</summary>
    public static IResourceBuilder<ProjectResource> WithAdminKey(this IResourceBuilder<ProjectResource> api, string? adminKey) =>
        adminKey is null ? api : api.WithEnvironment(DevelopmentAdminKey.EnvironmentVariable, adminKey);

    /// <summary>The worker's runtime settings for a flat memory footprint (see <see cref="WorkerRuntime"/>).</summary>
    public static IResourceBuilder<ProjectResource> WithWorkerRuntime(this IResourceBuilder<ProjectResource> worker)
    {
        foreach (var (name, value) in WorkerRuntime.Environment)
        {
            worker.WithEnvironment(name, value);
        }

        return worker;
    }
}
