using System.Diagnostics;

namespace Reports.AppHost;

/// <summary>Which container engine answers (docker, else podman), as Aspire needs one for container resources.</summary>
internal static class ContainerEngine
{
    private static readonly Lazy<string?> Answer = new(Probe);

    public static bool Answers() => Answer.Value is not null;

    /// <summary>"docker", "podman", or null when neither answers.</summary>
    public static string? Name => Answer.Value;

    private static string? Probe()
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
                    return engine;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not installed.
            }
        }

        return null;
    }
}
