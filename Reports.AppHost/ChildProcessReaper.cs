using System.Reflection;
using System.Runtime.InteropServices;
using Reports.LocalServers;

namespace Reports.AppHost;

/// <summary>
/// Makes the AppHost the reaper of every process it starts, however deep (DCP, the dashboard, the servers, the
/// projects and their <c>dotnet run</c> launchers): when the AppHost is told to stop, Aspire ends its own part in a
/// second or two while DCP goes on stopping the rest; those processes become the AppHost's children (Linux's child
/// subreaper), and <see cref="Dispose"/> returns only when none is left, so Ctrl+C leaves nothing behind.
/// Only when this process is the AppHost itself (not a test that runs the AppHost's Program in its own process).
/// </summary>
internal sealed partial class ChildProcessReaper : IDisposable
{
    private const int SetChildSubreaper = 36; // PR_SET_CHILD_SUBREAPER
    private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(60);
    private readonly bool _active;

    private ChildProcessReaper(bool active) => _active = active;

    public static ChildProcessReaper Start()
    {
        var isAppHost = OperatingSystem.IsLinux() && Assembly.GetEntryAssembly()?.GetName().Name == "Reports.AppHost";
        return new ChildProcessReaper(isAppHost && Prctl(SetChildSubreaper, 1, 0, 0, 0) == 0);
    }

    public void Dispose()
    {
        if (!_active)
        {
            return;
        }

        var deadline = DateTime.UtcNow + GracePeriod;
        while (true)
        {
            ReapOrphans();
            if (ProcessTree.Children(Environment.ProcessId) is not { Count: > 0 } children)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                Console.Error.WriteLine($"Reports.AppHost: {children.Count} processes still running after {GracePeriod.TotalSeconds:0} s; killing them.");
                foreach (var pid in children)
                {
                    Signals.Send(pid, Signals.SigKill);
                }

                deadline = DateTime.MaxValue;
            }

            Thread.Sleep(200);
        }
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
