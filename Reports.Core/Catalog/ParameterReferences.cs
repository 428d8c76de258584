using Npgsql;

namespace Reports.Core.Catalog;

/// <summary>Checks that parameters naming rows of the source data (e.g. a customer) name rows that exist.</summary>
public sealed class ParameterReferences(NpgsqlDataSource dataSource)
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

            await using var command = dataSource.CreateCommand(check.ExistsSql);
            command.Parameters.AddWithValue("value", value);
            if (await command.ExecuteScalarAsync(cancellationToken) is not true)
            {
                missing[$"parameters.{parameter.Name}"] = [$"No {check.What} {value} exists."];
            }
        }

        return missing;
    }
}
