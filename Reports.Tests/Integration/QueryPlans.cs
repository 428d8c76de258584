using Npgsql;
using NpgsqlTypes;

namespace Reports.Tests.Integration;

/// <summary>PostgreSQL's plan for a statement, as the text <c>EXPLAIN</c> prints, with the statement's parameters bound.</summary>
public static class QueryPlans
{
    public static async Task<string> ExplainAsync(NpgsqlDataSource database, string sql, params (string Name, object Value)[] values)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(values);
        await using var explain = database.CreateCommand("EXPLAIN " + sql);
        foreach (var (name, value) in values)
        {
            // Arrays of nulls say nothing of their element type: named here.
            explain.Parameters.Add(value switch
            {
                string?[] texts => new NpgsqlParameter(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = texts },
                long?[] numbers => new NpgsqlParameter(name, NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = numbers },
                _ => new NpgsqlParameter(name, value),
            });
        }

        var lines = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join(Environment.NewLine, lines);
    }
}
