using System.Data.Common;
using Reports.Core.Sources.Dialects;

namespace Reports.Core.Sources;

/// <summary>A named database reports read from: read-only sessions, a statement timeout, a pool of its own.</summary>
public sealed record ReportSource(string Name, SourceOptions Options, DbDataSource DataSource)
{
    public SourceKind Kind => Options.Kind;

    public SqlDialect Dialect => SqlDialect.For(Kind);
}
