namespace Reports.Core.Catalog;

/// <summary>
/// A report's source query, read in pages with keyset pagination. <see cref="Sql"/> is a SELECT whose WHERE clause
/// holds the report's filters (named parameters like <c>@from</c>); the reader appends the keyset predicate
/// <c>AND (keys) &gt; (last keys)</c>, <c>ORDER BY keys</c> and <c>LIMIT</c>. The key expressions must be unique together
/// and indexed, and appear among the output columns at <see cref="KeyColumns"/>.
/// </summary>
public sealed record KeysetQuery(string Sql, IReadOnlyList<string> KeyExpressions, IReadOnlyList<int> KeyColumns);
