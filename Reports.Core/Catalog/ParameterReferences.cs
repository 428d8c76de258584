using Reports.Core.Sources;

namespace Reports.Core.Catalog;

/// <summary>
/// Checks that parameters naming rows of the source data (e.g. a customer) name rows that exist: on the report's own
/// source, so through its read-only sessions and under its statement timeout, never on the job store.
/// </summary>
public sealed class ParameterReferences(ReportSources sources)
{
    /// <summary>The fields whose value names nothing, each with a message; empty when all exist.</summary>
    public async Task<IReadOnlyDictionary<string, string[]>> FindMissingAsync(
        ReportDefinition report, ReportArguments arguments, CancellationToken cancellationToken)
    {
        var missing = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var parameter in report.Parameters)
        {
            if (parameter.MustExist is not { } check || !arguments.Values.TryGetValue(parameter.Name, out var value) || value is null)
            {
                continue;
            }

            var source = sources.Get(report.Source);
            await using var connection = await source.DataSource.OpenConnectionAsync(cancellationToken);
            await using var command = source.Dialect.Command(connection, check.ExistsSql, [new("value", value)]);
            if (!Exists(await command.ExecuteScalarAsync(cancellationToken)))
            {
                missing[$"parameters.{parameter.Name}"] = [$"No {check.What} {value} exists."];
            }
        }

        return missing;
    }

    /// <summary>PostgreSQL's <c>EXISTS</c> is a boolean; MySQL's an integer, 1 or 0.</summary>
    private static bool Exists(object? answer) => answer is not (null or DBNull) && Convert.ToBoolean(answer, System.Globalization.CultureInfo.InvariantCulture);
}
