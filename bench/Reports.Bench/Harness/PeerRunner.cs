using System.Diagnostics;
using System.Text.Json;
using Reports.Bench.Measurement;
using Reports.Bench.Peers;

namespace Reports.Bench.Harness;

/// <summary>What one peer run printed, and the CPU seconds its timed batch cost in each measured process tree.</summary>
internal sealed record PeerOutcome(PeerResult Result, IReadOnlyDictionary<string, double> CpuSeconds);

/// <summary>
/// Runs a peer runner as a child process (so its CPU is its own, measured in /proc), following
/// <see cref="PeerProtocol"/>: CPU is measured from its timed-batch marker on stderr to its JSON line on stdout.
/// </summary>
internal static class PeerRunner
{
    public const string PeerTree = "peer";

    /// <param name="command">The runner to start.</param>
    /// <param name="servers">Server process trees measured next to the runner's own (e.g. Redis, PostgreSQL); none in tests.</param>
    /// <param name="cancellationToken">Kills the runner when cancelled.</param>
    public static async Task<PeerOutcome> RunAsync(PeerCommand command, IReadOnlyDictionary<string, int> servers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(servers);
        var start = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = command.WorkingDirectory,
        };
        foreach (var argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in command.Environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{command.Peer} did not start.");
        var cpu = new ProcessTreeCpu(new Dictionary<string, int>(servers) { [PeerTree] = process.Id });
        cpu.Start(); // replaced at the marker; keeps Stop valid if a runner never prints it
        var errors = new Queue<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            if (e.Data.Contains(PeerProtocol.TimedBatchMarker, StringComparison.Ordinal))
            {
                cpu.Start();
            }

            lock (errors)
            {
                errors.Enqueue(e.Data);
                if (errors.Count > 20)
                {
                    errors.Dequeue();
                }
            }
        };
        process.BeginErrorReadLine();
        try
        {
            string? line;
            while ((line = await process.StandardOutput.ReadLineAsync(cancellationToken)) is not null && !line.StartsWith('{'))
            {
            }

            var used = cpu.Stop();
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0 || line is null)
            {
                lock (errors)
                {
                    throw new InvalidOperationException($"{command.Peer} exited with code {process.ExitCode}: {string.Join(" | ", errors)}");
                }
            }

            var result = JsonSerializer.Deserialize(line, PeerJson.Default.PeerResult)
                ?? throw new InvalidOperationException($"{command.Peer} printed no result.");
            return new PeerOutcome(result, used);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
