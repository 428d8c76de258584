using System.Globalization;
using System.Net.Http.Headers;
using Reports.LocalServers;
using Reports.Tests.Integration;

namespace Reports.Tests.Browser;

/// <summary>
/// The built Reports.Api as a real process on a real loopback port, so a browser can reach it (the in-process
/// TestServer has no socket). Its folder is the working directory, so it serves its wwwroot as it does under the AppHost.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private ApiProcess(ChildProcess process, Uri baseAddress, ServerOutput output)
    {
        _process = process;
        BaseAddress = baseAddress;
        Output = output;
    }

    public Uri BaseAddress { get; }

    /// <summary>The last lines the process printed, to explain a failure.</summary>
    public ServerOutput Output { get; }

    /// <param name="settings">Adds to (or overrides) the test settings, in configuration form (<c>Reports:Api:…</c>).</param>
    public static async Task<ApiProcess> StartAsync(
        Infrastructure infrastructure, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = FreePort.Next();
        var baseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
        var dll = ProjectPaths.AssemblyPath(ToolPaths.RepositoryRoot, "Reports.Api", ProjectPaths.ConfigurationOf(AppContext.BaseDirectory));
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_URLS"] = baseAddress.ToString().TrimEnd('/'),
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in ProcessSettings.For(infrastructure))
        {
            environment[key] = value;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        ServerOutput output = new();
        var process = ChildProcess.Start("dotnet", [dll], output.For("api"), Path.Combine(ToolPaths.RepositoryRoot, "Reports.Api"), environment);
        var api = new ApiProcess(process, baseAddress, output);
        try
        {
            // Ready once the bootstrap admin key (registered by a background step at start) is accepted.
            using var http = api.CreateClient(TestSettings.AdminKey);
            await Readiness.WaitAsync("api", process, async ct =>
                (await http.GetAsync(new Uri("/api/admin/api-keys", UriKind.Relative), ct)).IsSuccessStatusCode,
                TimeSpan.FromMinutes(1), cancellationToken);
        }
        catch
        {
            await api.DisposeAsync();
            throw;
        }

        return api;
    }

    public HttpClient CreateClient(string key)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public async ValueTask DisposeAsync() => await _process.DisposeAsync();
}
