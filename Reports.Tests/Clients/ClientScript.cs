using System.Diagnostics;
using System.Text.Json;

namespace Reports.Tests.Clients;

/// <summary>
/// A client's script run as its users run it (node, php) with the API's address and a key in its environment: its exit
/// code, its output, and the one <c>RESULT {json}</c> line it prints for the test to compare.
/// </summary>
internal sealed record ClientScript(int Exit, string Output, string Errors)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>The parsed <c>RESULT</c> line; fails the test with the whole output when the script did not end with OK.</summary>
    public JsonElement Result
    {
        get
        {
            var lines = Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            Assert.True(Exit == 0 && lines is [.., "OK"], $"The script exited with {Exit}:\n{Output}\n{Errors}");
            var result = Assert.Single(lines, l => l.StartsWith("RESULT ", StringComparison.Ordinal));
            return JsonDocument.Parse(result["RESULT ".Length..]).RootElement.Clone();
        }
    }

    /// <summary>Fails the test with the output unless the step exited with 0.</summary>
    public void AssertSucceeded(string step) => Assert.True(Exit == 0, $"{step} exited with {Exit}:\n{Output}\n{Errors}");

    public static async Task<ClientScript> RunAsync(
        string program, IReadOnlyList<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        Assert.True(OnPath(program), $"{program} is not installed: ./reports test installs it (see ensure_client_runtimes in the reports script).");
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["NO_COLOR"] = "1" },
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            Assert.Fail($"{program} {string.Join(' ', arguments)} did not finish within {Timeout}:\n{await output}\n{await error}");
        }

        return new ClientScript(process.ExitCode, await output, await error);
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(folder => File.Exists(Path.Combine(folder, program)));
}
