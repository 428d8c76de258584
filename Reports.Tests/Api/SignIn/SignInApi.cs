using Reports.Tests.Browser;
using Reports.Tests.Integration;

namespace Reports.Tests.Api.SignIn;

/// <summary>
/// A <see cref="LocalIssuer"/> and an API process configured to accept its tokens, shared by the tests of a class. The
/// API starts on first use, on the collection's servers (its in-process worker runs the reports).
/// </summary>
public sealed class SignInApi : IAsyncLifetime
{
    /// <summary>Reports one owner may request a minute on this API (a small number, to show the limit is per owner).</summary>
    public const int CreatesPerMinute = 3;

    private readonly Lock _gate = new();
    private LocalIssuer? _issuer;
    private Task<ApiProcess>? _api;

    public LocalIssuer Issuer => _issuer ?? throw new InvalidOperationException("The issuer has not started.");

    public async Task InitializeAsync() => _issuer = await LocalIssuer.StartAsync();

    public Task<ApiProcess> ApiAsync(Infrastructure infrastructure)
    {
        lock (_gate)
        {
            return _api ??= StartAsync(infrastructure);
        }
    }

    private async Task<ApiProcess> StartAsync(Infrastructure infrastructure)
    {
        await infrastructure.SystemAsync(); // the database migrated and seeded
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        return await ApiProcess.StartAsync(infrastructure, timeout.Token, new Dictionary<string, string>
        {
            ["Reports:Auth:Jwt:Authority"] = Issuer.Issuer,
            ["Reports:Auth:Jwt:RequireHttpsMetadata"] = "false",
            ["Reports:Auth:Jwt:Audience"] = LocalIssuer.Audience,
            ["Reports:Auth:Jwt:AdminRole"] = LocalIssuer.AdminRole,
            ["Reports:Auth:Jwt:ClockSkew"] = "00:00:05",
            ["Reports:Auth:Jwt:KeysMinRefreshInterval"] = "00:00:01",
            ["Reports:Api:CreatesPerMinute"] = CreatesPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    public async Task DisposeAsync()
    {
        if (_api is { IsCompletedSuccessfully: true })
        {
            await (await _api).DisposeAsync();
        }

        if (_issuer is not null)
        {
            await _issuer.DisposeAsync();
        }

    }
}
