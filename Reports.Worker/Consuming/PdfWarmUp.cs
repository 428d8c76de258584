using Reports.Core.Generation.Pdf;

namespace Reports.Worker.Consuming;

/// <summary>
/// Draws a sample PDF with the report font before the worker takes a job: a font that cannot be drawn stops the
/// worker at start rather than failing its first PDF. It also makes some of Skia's one-time allocations early (about
/// 3 MB; the first real PDF still raises the peak once by ~15 MB, see the README's benchmark notes).
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
