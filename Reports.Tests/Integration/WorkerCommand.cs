using System.Diagnostics;
using Reports.LocalServers;

namespace Reports.Tests.Integration;

/// <summary>A one-shot command of the built Reports.Worker (<c>migrate</c>, <c>catalog check</c>) as a process of its own.</summary>
public static class WorkerCommand
{
    /// <summary>Runs it to its end with <paramref name="environment"/> (a null value removes the variable); its exit code and all it printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var dll = ProjectPaths.AssemblyPath(ToolPaths.RepositoryRoot, "Reports.Worker", ProjectPaths.ConfigurationOf(AppContext.BaseDirectory));
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[dll, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}
