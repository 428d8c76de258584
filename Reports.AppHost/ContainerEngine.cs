using System.Diagnostics;

namespace Reports.AppHost;

/// <summary>Whether a container engine answers (docker, else podman), as Aspire would need it for container resources.</summary>
internal static class ContainerEngine
{
    private static readonly Lazy<bool> Answer = new(Probe);

    public static bool Answers() => Answer.Value;

    private static bool Probe()
    {
        foreach (var engine in (string[])["docker", "podman"])
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(engine, "info")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                });
                if (process is null)
                {
                    continue;
                }

                if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
                {
                    process.Kill(entireProcessTree: true);
                    continue;
                }

                if (process.ExitCode == 0)
                {
                    return true;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not installed.
            }
        }

        return false;
    }
}
