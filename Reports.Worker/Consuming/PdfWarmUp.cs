using Reports.Core.Generation.Pdf;

namespace Reports.Worker.Consuming;

/// <summary>
/// Draws a sample PDF with the report font before the worker takes a job: a font that cannot be drawn stops the
/// worker at start, and Skia's one-time allocations for its PDF backend (about 8 MB, measured by the benchmark) are
/// made now, so the first PDF report neither waits for them nor raises the worker's memory above its idle size.
/// </summary>
internal sealed class PdfWarmUp(PdfFont font, ILogger<PdfWarmUp> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var sample = PdfSample.Draw(font);
        logger.LogInformation("PDF writer ready: a sample of {Bytes:N0} bytes drawn with {Font}", sample.Length, font.FamilyName);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
