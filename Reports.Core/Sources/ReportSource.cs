using System.Data.Common;

namespace Reports.Core.Sources;

/// <summary>A named database reports read from: read-only sessions, a statement timeout, a pool of its own.</summary>
public sealed record ReportSource(string Name, SourceOptions Options, DbDataSource DataSource)
{
    public SourceKind Kind => Options.Kind;
}
