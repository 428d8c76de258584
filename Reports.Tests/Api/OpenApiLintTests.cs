using System.Diagnostics;
using System.Text.Json;
using Reports.LocalServers;
using Reports.Tests.Integration;

namespace Reports.Tests.Api;

/// <summary>
/// The OpenAPI document a running API serves, checked as a new user would check it: Redocly's recommended rules and
/// Spectral's <c>spectral:oas</c>, pinned in tools/openapi-lint, must find no error and no warning.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class OpenApiLintTests(Infrastructure infrastructure)
{
    private static readonly string LintFolder = Path.Combine(ToolPaths.RepositoryRoot, "tools", "openapi-lint");

    [Fact]
    public async Task Redocly_recommended_rules_find_no_error_and_no_warning() =>
        await AssertRedoclyCleanAsync((await infrastructure.ApiProcessAsync()).BaseAddress);

    [Fact]
    public async Task Spectral_oas_rules_find_no_error_and_no_warning() =>
        await AssertSpectralCleanAsync((await infrastructure.ApiProcessAsync()).BaseAddress);

    /// <summary>Redocly's recommended rules find nothing in the document the API at <paramref name="baseAddress"/> serves.</summary>
    internal static async Task AssertRedoclyCleanAsync(Uri baseAddress)
    {
        var document = await ServedDocumentAsync(baseAddress);

        var (exit, output, error) = await RunAsync("redocly", "lint", "--config", Path.Combine(LintFolder, "redocly.yaml"), "--format", "json", document.FullName);
        document.Directory!.Delete(recursive: true);

        var totals = JsonDocument.Parse(output).RootElement.GetProperty("totals");
        Assert.True(exit == 0 && totals.GetProperty("errors").GetInt32() == 0 && totals.GetProperty("warnings").GetInt32() == 0,
            $"redocly lint (exit {exit}): {output} {error}");
    }

    /// <summary>Spectral's <c>spectral:oas</c> rules find nothing in the document the API at <paramref name="baseAddress"/> serves.</summary>
    internal static async Task AssertSpectralCleanAsync(Uri baseAddress)
    {
        var document = await ServedDocumentAsync(baseAddress);

        var (exit, output, error) = await RunAsync("spectral", "lint", "--ruleset", Path.Combine(LintFolder, ".spectral.yaml"),
            "--fail-severity", "hint", "--format", "json", "--quiet", document.FullName);
        document.Directory!.Delete(recursive: true);

        var results = JsonDocument.Parse(output.Trim() is { Length: > 0 } json ? json : "[]").RootElement;
        Assert.True(exit == 0 && results.GetArrayLength() == 0, $"spectral lint (exit {exit}): {output} {error}");
    }

    /// <summary>The document as the API process serves it on its loopback port, saved to a file for the linters.</summary>
    private static async Task<FileInfo> ServedDocumentAsync(Uri baseAddress)
    {
        using var anonymous = new HttpClient { BaseAddress = baseAddress };
        var json = await anonymous.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        var folder = Directory.CreateTempSubdirectory("reports-openapi-");
        var path = Path.Combine(folder.FullName, "openapi.json");
        await File.WriteAllTextAsync(path, json);
        return new FileInfo(path);
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string tool, params string[] arguments)
    {
        var bin = Path.Combine(LintFolder, "node_modules", ".bin", tool);
        Assert.True(File.Exists(bin), $"{bin} is missing: ./reports test installs it (npm ci in tools/openapi-lint).");
        var start = new ProcessStartInfo(bin, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = LintFolder,
            Environment =
            {
                ["REDOCLY_TELEMETRY"] = "off",
                ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true",
                ["NO_COLOR"] = "1",
            },
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
