using System.Text.Json.Nodes;

namespace Reports.Core.Catalog;

/// <summary>
/// A report's parameters as a JSON Schema (draft 2020-12), the same rules <see cref="ParameterValidator"/> applies,
/// so a client can build its form and check values before asking. Rules JSON Schema cannot say (the date span,
/// the formats a parameter applies to, values that must exist) are <c>x-</c> keywords.
/// </summary>
public static class ParameterJsonSchema
{
    public static JsonObject For(ReportDefinition report)
    {
        var properties = new JsonObject();
        foreach (var parameter in report.Parameters)
        {
            properties[parameter.Name] = Property(parameter);
        }

        var schema = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["title"] = $"Parameters of '{report.Name}'",
            ["type"] = "object",
            ["properties"] = properties,
            ["required"] = new JsonArray([.. report.Parameters.Where(p => p.Required).Select(p => (JsonNode?)p.Name)]),
            ["additionalProperties"] = false,
        };
        if (report.MaxDateSpanDays is { } span)
        {
            schema["x-maxDateSpanDays"] = span;
        }

        return schema;
    }

    private static JsonObject Property(ReportParameter parameter)
    {
        var property = parameter.Type switch
        {
            ParameterType.Date => new JsonObject { ["type"] = "string", ["format"] = "date" },
            ParameterType.Text => Text(parameter),
            ParameterType.TextList => new JsonObject { ["type"] = "array", ["items"] = Text(parameter), ["uniqueItems"] = true },
            ParameterType.Decimal => new JsonObject { ["type"] = "number" },
            ParameterType.Integer => new JsonObject { ["type"] = "integer" },
            _ => throw new InvalidOperationException($"Unknown parameter type {parameter.Type}."),
        };
        property["description"] = parameter.Description;
        if (parameter.Minimum is { } minimum)
        {
            property["minimum"] = minimum;
        }

        if (parameter.Maximum is { } maximum)
        {
            property["maximum"] = maximum;
        }

        if (parameter.Default is { } fallback)
        {
            property["default"] = fallback;
        }

        if (parameter.Formats is { } formats)
        {
            property["x-formats"] = new JsonArray([.. formats.Select(f => (JsonNode?)f)]);
        }

        if (parameter.MustExist is { } reference)
        {
            property["x-mustExist"] = reference.What;
        }

        return property;
    }

    private static JsonObject Text(ReportParameter parameter)
    {
        var text = new JsonObject { ["type"] = "string", ["maxLength"] = 200 };
        if (parameter.Allowed is { } allowed)
        {
            text["enum"] = new JsonArray([.. allowed.Select(a => (JsonNode?)a)]);
        }

        if (parameter.Pattern is { } pattern)
        {
            text["pattern"] = pattern;
        }

        return text;
    }

    /// <summary>A column's type as a client should read it from the CSV.</summary>
    public static string ColumnType(ReportColumn column) => column.Type switch
    {
        Catalog.ColumnType.Integer => "integer",
        Catalog.ColumnType.Decimal => "decimal",
        Catalog.ColumnType.Date => "date",
        Catalog.ColumnType.Timestamp => "timestamp",
        _ => "text",
    };
}
