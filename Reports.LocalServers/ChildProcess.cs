using System.Diagnostics;

namespace Reports.LocalServers;

/// <summary>
/// A started operating-system process whose output arrives line by line, that stops gracefully with a
/// signal and is killed (with its children) when it does not stop before a deadline.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const string SetSid = "/usr/bin/setsid";
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public Task<int> Exited => _exited.Task;

    public bool HasExited => _exited.Task.IsCompleted;

    public static ChildProcess Start(
        string fileName,
        IEnumerable<string> arguments,
        Action<string> onOutput,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        // Each child runs in a session of its own (setsid execs in place, so the pid is the program's): a Ctrl+C in
        // the terminal reaches only the test run or tool that started them, which then stops them itself.
        var ownSession = File.Exists(SetSid);
        var info = new ProcessStartInfo(ownSession ? SetSid : fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        if (ownSession)
        {
            info.ArgumentList.Add(fileName);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => Forward(e.Data, onOutput);
        process.ErrorDataReceived += (_, e) => Forward(e.Data, onOutput);
        process.Exited += (_, _) => child.OnExited();
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {fileName}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Sends <paramref name="signal"/>, waits up to <paramref name="deadline"/>, then kills the process tree.</summary>
    public async Task StopAsync(TimeSpan deadline, int signal = Signals.SigTerm, int? signalPid = null)
    {
        if (HasExited)
        {
            return;
        }

        Signals.Send(signalPid ?? Id, signal);
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await Exited.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            await Exited.WaitAsync(TimeSpan.FromSeconds(5));
        }
    }

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }

    private static void Forward(string? line, Action<string> onOutput)
    {
        if (line is not null)
        {
            onOutput(line);
        }
    }

    private void OnExited()
    {
        int code;
        try
        {
            code = _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            code = -1;
        }

        _exited.TrySetResult(code);
    }
}
