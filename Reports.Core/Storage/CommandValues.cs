using Npgsql;
using NpgsqlTypes;

namespace Reports.Core.Storage;

/// <summary>Named values for a command's parameters; a <see cref="JsonbText"/> goes as <c>jsonb</c>, the rest as their own type.</summary>
internal static class CommandValues
{
    public static void Add(NpgsqlCommand command, IEnumerable<(string Name, object Value)> values)
    {
        foreach (var (name, value) in values)
        {
            if (value is JsonbText json)
            {
                command.Parameters.AddWithValue(name, NpgsqlDbType.Jsonb, json.Text);
            }
            else
            {
                command.Parameters.AddWithValue(name, value);
            }
        }
    }
}

/// <summary>JSON text to be sent as <c>jsonb</c>.</summary>
internal sealed record JsonbText(string Text);
