using System.Runtime.InteropServices;

namespace Reports.LocalServers;

/// <summary>POSIX signals: .NET's Process.Kill only sends SIGKILL, and a graceful stop needs SIGTERM or SIGINT.</summary>
public static partial class Signals
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    public static bool Send(int pid, int signal) => Kill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
