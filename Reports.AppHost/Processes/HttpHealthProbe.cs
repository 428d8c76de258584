namespace Reports.AppHost.Processes;

/// <summary>A project is ready when <c>GET /health</c> answers 200 (ServiceDefaults maps it: every dependency answers).</summary>
internal static class HttpHealthProbe
{
    public const string HealthPath = "/health";

    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(5) };

    public static Func<CancellationToken, Task<bool>> For(Uri baseAddress) => async cancellationToken =>
    {
        using var response = await Client.GetAsync(new Uri(baseAddress, HealthPath), cancellationToken);
        return response.StatusCode == System.Net.HttpStatusCode.OK;
    };

    /// <summary>Any HTTP answer (even 400 or 403) means the server is up: how Azurite and blob endpoints are probed.</summary>
    public static Func<CancellationToken, Task<bool>> AnswersAt(Uri address) => async cancellationToken =>
    {
        using var response = await Client.GetAsync(address, cancellationToken);
        return true;
    };
}
