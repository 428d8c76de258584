namespace Reports.Core.Generation.Pdf;

/// <summary>What the title block says: the report, what it is about, its parameters and when it was generated.</summary>
internal sealed record PdfHeading(string Title, string? Subject, string Parameters, string Generated);
