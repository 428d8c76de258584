using System.Text.Json;
using Reports.Core.Catalog;
using Reports.Core.Generation;

namespace Reports.Tests.Generation;

/// <summary>A generation request for a whole year of 2024, as a worker would build it from a new job.</summary>
internal static class GenerationRequests
{
    public static GenerationRequest For(ReportDefinition report, string format)
    {
        var parameters = JsonDocument.Parse("""{"from":"2024-01-01","to":"2024-12-31"}""").RootElement;
        var arguments = ParameterValidator.Validate(report, parameters, format).Arguments!;
        var id = Guid.NewGuid();
        return new GenerationRequest(id, report, arguments, $"{id:N}.{format}", $"report.{format}", GenerationCheckpoint.Start, Attempt: 1)
        {
            Format = format,
            CreatedAt = new DateTimeOffset(2026, 12, 1, 6, 30, 15, TimeSpan.Zero),
        };
    }
}
