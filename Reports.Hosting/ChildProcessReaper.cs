using System.Reflection;
using System.Runtime.InteropServices;
using Reports.LocalServers;

namespace Reports.Hosting;

/// <summary>
/// Makes the AppHost the reaper of every process it starts, however deep (DCP, the dashboard, the servers, the
/// projects and their <c>dotnet run</c> launchers): when the AppHost is told to stop, Aspire ends its own part in a
/// second or two while DCP goes on stopping the rest; those processes become the AppHost's children (Linux's child
/// subreaper), and <see cref="Dispose"/> returns only when none is left, so Ctrl+C leaves nothing behind. What still
/// runs after the grace period is killed, the whole tree at every turn (a process whose parent was killed becomes ours
/// too); after that, the wait is bounded. Another Ctrl+C meanwhile does not cut the wait short: it would leave them all.
/// Only when this process is the AppHost itself (not a test that runs the AppHost's Program in its own process).
/// </summary>
public sealed partial class ChildProcessReaper : IDisposable
{
    private const int SetChildSubreaper = 36; // PR_SET_CHILD_SUBREAPER
    private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan KillPeriod = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan NoticeEvery = TimeSpan.FromSeconds(10);
    private readonly bool _active;

    private ChildProcessReaper(bool active) => _active = active;

    /// <summary>False when a test runs the AppHost's Program inside its own process (Aspire.Hosting.Testing).</summary>
    public static bool InTheAppHostProcess => Assembly.GetEntryAssembly()?.GetName().Name == "Reports.AppHost";

    public static ChildProcessReaper Start() =>
        new(OperatingSystem.IsLinux() && InTheAppHostProcess && Prctl(SetChildSubreaper, 1, 0, 0, 0) == 0);

    public void Dispose()
    {
        if (!_active)
        {
            return;
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, StillStopping);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, StillStopping);
        var started = DateTime.UtcNow;
        var nextNotice = started + NoticeEvery;
        var killed = new HashSet<int>();
        while (true)
        {
            ReapOrphans();
            var left = ProcessTree.Descendants(Environment.ProcessId);
            if (left.Count == 0)
            {
                return;
            }

            var waited = DateTime.UtcNow - started;
            if (waited > GracePeriod + KillPeriod)
            {
                Console.Error.WriteLine($"Reports.AppHost: {left.Count} processes did not exit even when killed: {string.Join(", ", left)}.");
                return;
            }

            if (waited > GracePeriod)
            {
                foreach (var pid in left)
                {
                    if (killed.Add(pid))
                    {
                        // Named, so a process that outlives the grace can be traced (chaos runs look for this line).
                        Console.Error.WriteLine($"Reports.AppHost: killing process {pid} ({Describe(pid)}), still running {GracePeriod.TotalSeconds:0} s after the stop.");
                    }

                    Signals.Send(pid, Signals.SigKill);
                }
            }

            if (DateTime.UtcNow > nextNotice)
            {
                nextNotice += NoticeEvery;
                Console.Error.WriteLine(waited > GracePeriod
                    ? $"Reports.AppHost: killing {left.Count} processes still running after {GracePeriod.TotalSeconds:0} s."
                    : $"Reports.AppHost: stopping; {left.Count} processes left.");
            }

            Thread.Sleep(200);
        }
    }

    /// <summary>A process's command line, cut short; its state (T: stopped by SIGSTOP, D: in uninterruptible sleep) before it.</summary>
    private static string Describe(int pid)
    {
        var line = string.Join(' ', ProcessTree.CommandLine(pid));
        var state = ProcessTree.Stat(pid)?.State ?? '?';
        return $"state {state}: {(line.Length > 160 ? line[..160] + "…" : line)}";
    }

    private static void StillStopping(PosixSignalContext context)
    {
        context.Cancel = true;
        Console.Error.WriteLine("Reports.AppHost: still stopping; every process it started is given up to a minute, then killed.");
    }

    /// <summary>
    /// Collects the exit of orphans that became our children: until then they stay zombies, and DCP's controllers,
    /// which wait for their API server's pid to go away, would wait forever. A zombie .NET itself started is reaped by
    /// the runtime as soon as it exits, so one still here is an orphan.
    /// </summary>
    private static void ReapOrphans()
    {
        foreach (var pid in ProcessTree.Zombies(Environment.ProcessId))
        {
            WaitPid(pid, out _, NoHang);
        }
    }

    private const int NoHang = 1; // WNOHANG

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    private static partial int WaitPid(int pid, out int status, int options);

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);
}
