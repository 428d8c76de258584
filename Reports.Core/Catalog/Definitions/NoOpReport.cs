namespace Reports.Core.Catalog.Definitions;

/// <summary>
/// Diagnostics: a job that takes the whole path of every report (job and outbox row in one transaction, the stream, a
/// fenced claim under a lease, the recorded outcome, the acknowledgement) but reads no data and writes no file, so it
/// measures the engine's own cost per job. In the catalog only with <c>Reports:Catalog:Diagnostics=true</c>.
/// </summary>
public static class NoOpReport
{
    public const string Name = "noop";

    public static ReportDefinition Definition { get; } = new()
    {
        Name = Name,
        Version = Files.DefinitionVersion.Of(Name),
        Title = "No-op (diagnostics)",
        Description = "Runs through the job engine like any report, reads no data and makes no file: its status resource has no file.",
        Formats = [ReportFormats.None],
        Limits = new() { MaxRows = 0, MaxPdfPages = 0, TimeLimit = TimeSpan.FromMinutes(1) },
        Parameters = [],
        Columns = [],
    };
}
