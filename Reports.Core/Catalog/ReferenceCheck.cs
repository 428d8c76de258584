namespace Reports.Core.Catalog;

/// <summary>
/// A parameter that names a row of the source data, which must exist when the report is requested.
/// <see cref="ExistsSql"/> answers one boolean for the parameter's value bound as <c>@value</c>.
/// </summary>
public sealed record ReferenceCheck(string ExistsSql, string What);
