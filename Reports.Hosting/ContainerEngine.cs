using System.Diagnostics;

namespace Reports.Hosting;

/// <summary>Which container engine answers (docker, else podman), as Aspire needs one for container resources.</summary>
public static class ContainerEngine
{
    private static readonly Lazy<string?> Answer = new(() => ((string[])["docker", "podman"]).FirstOrDefault(Answers));

    /// <summary>"docker", "podman", or null when neither answers.</summary>
    public static string? Name => Answer.Value;

    private static bool Answers(string engine)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(engine, "info") { RedirectStandardOutput = true, RedirectStandardError = true });
            if (process?.WaitForExit(TimeSpan.FromSeconds(10)) == false)
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process?.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // not installed
        }
    }
}
