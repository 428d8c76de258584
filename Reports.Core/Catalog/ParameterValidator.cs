using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Reports.Core.Catalog;

/// <summary>Checks a request's parameters against a report's definitions and names every wrong field.</summary>
public static class ParameterValidator
{
    public static ValidationResult Validate(ReportDefinition report, JsonElement? parameters) => Validate(report, parameters, format: null);

    /// <summary>Validates for one format: parameters of other formats are refused when given and not defaulted.</summary>
    public static ValidationResult Validate(ReportDefinition report, JsonElement? parameters, string? format)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Error(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        var given = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (parameters is { ValueKind: JsonValueKind.Object } obj)
        {
            foreach (var property in obj.EnumerateObject())
            {
                given[property.Name] = property.Value;
            }
        }
        else if (parameters is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) })
        {
            Error("parameters", "Must be a JSON object.");
        }

        foreach (var unknown in given.Keys.Where(k => report.Parameters.All(p => p.Name != k)))
        {
            Error($"parameters.{unknown}", $"Unknown parameter. '{report.Name}' takes: {string.Join(", ", report.Parameters.Select(p => p.Name))}.");
        }

        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var parameter in report.Parameters)
        {
            var field = $"parameters.{parameter.Name}";
            if (!parameter.AppliesTo(format))
            {
                if (given.TryGetValue(parameter.Name, out var misplaced) && misplaced.ValueKind != JsonValueKind.Null)
                {
                    Error(field, $"Applies only to {string.Join(", ", parameter.Formats!)}.");
                }

                continue;
            }

            if (!given.TryGetValue(parameter.Name, out var element) || element.ValueKind == JsonValueKind.Null)
            {
                if (parameter.Default is { } fallback)
                {
                    element = JsonDocument.Parse(JsonSerializer.Serialize(fallback)).RootElement;
                }
                else
                {
                    if (parameter.Required)
                    {
                        Error(field, "Required.");
                    }

                    continue;
                }
            }

            var (value, message) = Convert(parameter, element);
            if (message is not null)
            {
                Error(field, message);
            }
            else
            {
                values[parameter.Name] = value;
            }
        }

        if (report.MaxDateSpanDays is { } maxSpan && values.TryGetValue("from", out var f) && values.TryGetValue("to", out var t)
            && f is DateOnly from && t is DateOnly to)
        {
            if (to < from)
            {
                Error("parameters.to", "Must not be before 'from'.");
            }
            else if (to.DayNumber - from.DayNumber > maxSpan)
            {
                Error("parameters.to", $"The span from 'from' to 'to' must be at most {maxSpan} days.");
            }
        }

        return new ValidationResult(
            errors.Count == 0 ? new ReportArguments(values) : null,
            errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
    }

    private static (object? Value, string? Error) Convert(ReportParameter parameter, JsonElement element)
    {
        switch (parameter.Type)
        {
            case ParameterType.Date:
                return element.ValueKind == JsonValueKind.String
                    && DateOnly.TryParseExact(element.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                    ? (date, null)
                    : (null, "Must be a date as yyyy-MM-dd.");
            case ParameterType.Text:
                return element.ValueKind == JsonValueKind.String
                    ? CheckText(parameter, element.GetString()!) is { } textError ? (null, textError) : (element.GetString(), null)
                    : (null, "Must be a string.");
            case ParameterType.TextList:
                if (element.ValueKind != JsonValueKind.Array || element.EnumerateArray().Any(i => i.ValueKind != JsonValueKind.String))
                {
                    return (null, "Must be an array of strings.");
                }

                var items = element.EnumerateArray().Select(i => i.GetString()!).Distinct(StringComparer.Ordinal).ToArray();
                var itemError = items.Select(i => CheckText(parameter, i)).FirstOrDefault(e => e is not null);
                return itemError is null ? (items, null) : (null, itemError);
            case ParameterType.Decimal:
                return element.ValueKind == JsonValueKind.Number && element.TryGetDecimal(out var number)
                    ? CheckRange(parameter, number) is { } rangeError ? (null, rangeError) : (number, null)
                    : (null, "Must be a number.");
            case ParameterType.Integer:
                return element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var integer)
                    ? CheckRange(parameter, integer) is { } intError ? (null, intError) : (integer, null)
                    : (null, "Must be an integer.");
            default:
                throw new InvalidOperationException($"Unknown parameter type {parameter.Type}.");
        }
    }

    private static string? CheckText(ReportParameter parameter, string value)
    {
        if (parameter.Allowed is { } allowed && !allowed.Contains(value, StringComparer.Ordinal))
        {
            return $"'{value}' is not one of: {string.Join(", ", allowed)}.";
        }

        if (parameter.Pattern is { } pattern && !Regex.IsMatch(value, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            return $"'{value}' does not match {pattern}.";
        }

        return value.Length > 200 ? "Must be at most 200 characters." : null;
    }

    private static string? CheckRange(ReportParameter parameter, decimal value) =>
        value < parameter.Minimum ? $"Must be at least {parameter.Minimum}."
        : value > parameter.Maximum ? $"Must be at most {parameter.Maximum}."
        : null;
}

public sealed record ValidationResult(ReportArguments? Arguments, IReadOnlyDictionary<string, string[]> Errors)
{
    public bool IsValid => Arguments is not null;
}
