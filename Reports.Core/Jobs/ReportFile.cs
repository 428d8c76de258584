namespace Reports.Core.Jobs;

/// <summary>The committed output of a job.</summary>
public sealed record ReportFile(string BlobName, string FileName, string ContentType, long SizeBytes, string Sha256, long Rows);
