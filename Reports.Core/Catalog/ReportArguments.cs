using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reports.Core.Catalog;

/// <summary>A report's parameters after validation: typed values by name (defaults filled in).</summary>
public sealed class ReportArguments(IReadOnlyDictionary<string, object?> values)
{
    public IReadOnlyDictionary<string, object?> Values { get; } = values;

    public T? Get<T>(string name) => Values.TryGetValue(name, out var value) && value is T typed ? typed : default;

    public DateOnly GetDate(string name) => Values.TryGetValue(name, out var value) && value is DateOnly date
        ? date
        : throw new InvalidOperationException($"Parameter '{name}' has no date value.");

    /// <summary>The normalised JSON form stored with the job (dates as yyyy-MM-dd, absent optionals omitted).</summary>
    public JsonElement ToJson()
    {
        var json = new JsonObject();
        foreach (var (name, value) in Values.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            json[name] = value switch
            {
                null => null,
                DateOnly d => JsonValue.Create(d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
                string s => JsonValue.Create(s),
                string[] list => new JsonArray([.. list.Select(i => (JsonNode?)JsonValue.Create(i))]),
                decimal m => JsonValue.Create(m),
                long l => JsonValue.Create(l),
                _ => throw new InvalidOperationException($"Unexpected parameter value type {value.GetType().Name}."),
            };
        }

        return JsonSerializer.SerializeToElement(json);
    }
}
