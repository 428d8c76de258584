using System.Runtime.InteropServices;

namespace Reports.AppHost.Hosting;

/// <summary>
/// Turns Ctrl+C (SIGINT), SIGTERM and SIGQUIT into a cancellation: the AppHost then stops its processes in order
/// instead of the runtime ending it at once (which would leave them running).
/// </summary>
internal sealed class ShutdownSignals : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<PosixSignalRegistration> _registrations;

    private ShutdownSignals()
    {
        _registrations = [.. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGQUIT }.Select(signal => PosixSignalRegistration.Create(signal, OnSignal))];
    }

    public CancellationToken Token => _stopping.Token;

    public static ShutdownSignals Register() => new();

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stopping.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Handled here: keep the process alive until everything it started has stopped.
        context.Cancel = true;
        _stopping.Cancel();
    }
}
