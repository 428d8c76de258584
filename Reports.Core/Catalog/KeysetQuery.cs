namespace Reports.Core.Catalog;

/// <summary>
/// A report's source query, read in pages with keyset pagination. <see cref="Sql"/> is a SELECT whose WHERE clause
/// holds the report's filters (named parameters like <c>@from</c>); the reader appends the keyset predicate
/// <c>AND (keys) &gt; (last keys)</c>, <c>ORDER BY keys</c> and <c>LIMIT</c>. The key expressions must be unique together
/// and indexed, and appear among the output columns at <see cref="KeyColumns"/>.
/// </summary>
public sealed record KeysetQuery(string Sql, IReadOnlyList<string> KeyExpressions, IReadOnlyList<int> KeyColumns)
{
    /// <summary>
    /// Optional, for a query that joins lookups to a driving table: pages are cut from the driving table alone, then
    /// joined (a deferred join), so each page joins its own rows in one hash join instead of a lookup per row.
    /// </summary>
    public KeysetPageJoin? PageJoin { get; init; }
}

/// <summary>
/// <see cref="DrivingSql"/>: the driving table's rows with the report's filters and keys, no joins. <see cref="Select"/>:
/// the report's columns, selected from <c>{page}</c> (a page of the driving query, under the same alias) joined to its
/// lookups. The joins must keep exactly one row per driving row (as a foreign key does), so the driving query's count
/// is the report's.
/// </summary>
public sealed record KeysetPageJoin(string DrivingSql, string Select)
{
    public const string PagePlaceholder = "{page}";
}
