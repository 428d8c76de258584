using Hangfire;

namespace Reports.Bench.Peers.Hangfire;

/// <summary>The tiny job: nothing to do, so what is measured is Hangfire's own cost per job.</summary>
public static class NoOpJob
{
    // A no-op cannot fail for a reason a retry would fix; a failure must show, not be retried away.
    [AutomaticRetry(Attempts = 0)]
    public static void Run()
    {
    }
}
