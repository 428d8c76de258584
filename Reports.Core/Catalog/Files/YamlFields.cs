using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Reports.Core.Catalog.Files;

/// <summary>
/// Reads the fields of one YAML mapping with the line of each, recording an error (file, line, field) for every field
/// that is missing, of the wrong type or out of range, and, in <see cref="RejectUnknown"/>, for every field not read.
/// </summary>
internal sealed class YamlFields(YamlMappingNode node, string path, FileErrors errors)
{
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public string Path { get; } = path;

    public FileErrors Errors { get; } = errors;

    public int Line => (int)node.Start.Line;

    /// <summary>The field's line; the mapping's own when the field is absent.</summary>
    public int LineOf(string key) => Find(key) is { } value ? (int)value.Start.Line : Line;

    public string FieldPath(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public bool Has(string key) => Find(key) is not null and not YamlScalarNode { Value: null or "" };

    public string? Text(string key, bool required = false)
    {
        if (Scalar(key, required, "text") is not { } scalar)
        {
            return null;
        }

        return scalar.Value;
    }

    public bool? Bool(string key) => Parse<bool>(key, "true or false", v => bool.TryParse(v, out var b) ? b : null);

    public long? Long(string key, long least, long most) =>
        Parse<long>(key, $"a whole number from {least} to {most}",
            v => long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= least && n <= most ? n : null);

    public decimal? Decimal(string key) =>
        Parse<decimal>(key, "a number", v => decimal.TryParse(v, NumberStyles.Number, CultureInfo.InvariantCulture, out var n) ? n : null);

    public float? PositiveFloat(string key) =>
        Parse<float>(key, "a number above 0", v => float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0 && float.IsFinite(n) ? n : null);

    public TimeSpan? Duration(string key, TimeSpan least, TimeSpan most) =>
        Parse<TimeSpan>(key, $"a duration from {least:c} to {most:c} (hh:mm:ss)",
            v => TimeSpan.TryParse(v, CultureInfo.InvariantCulture, out var d) && d >= least && d <= most ? d : null);

    /// <summary>One of <paramref name="values"/> (the file's spelling to the value).</summary>
    public T? Choice<T>(string key, IReadOnlyDictionary<string, T> values, bool required = false)
        where T : struct =>
        Scalar(key, required, "text") is not { } scalar
            ? null
            : values.TryGetValue(scalar.Value ?? "", out var value)
                ? value
                : Error<T>(scalar, key, $"must be one of {string.Join(", ", values.Keys)}; it is '{scalar.Value}'.");

    public IReadOnlyList<string>? TextList(string key)
    {
        if (Node<YamlSequenceNode>(key, required: false, "a list") is not { } sequence)
        {
            return null;
        }

        var items = new List<string>();
        foreach (var (item, i) in sequence.Children.Select((item, i) => (item, i)))
        {
            if (item is YamlScalarNode { Value: { } text })
            {
                items.Add(text);
            }
            else
            {
                Errors.Add((int)item.Start.Line, $"{FieldPath(key)}[{i}]", "must be text.");
            }
        }

        return items;
    }

    public YamlFields? Object(string key, bool required = false) =>
        Node<YamlMappingNode>(key, required, "a mapping of fields") is { } mapping ? new YamlFields(mapping, FieldPath(key), Errors) : null;

    public IReadOnlyList<YamlFields>? Objects(string key, bool required = false)
    {
        if (Node<YamlSequenceNode>(key, required, "a list") is not { } sequence)
        {
            return null;
        }

        var items = new List<YamlFields>();
        foreach (var (item, i) in sequence.Children.Select((item, i) => (item, i)))
        {
            if (item is YamlMappingNode mapping)
            {
                items.Add(new YamlFields(mapping, $"{FieldPath(key)}[{i}]", Errors));
            }
            else
            {
                Errors.Add((int)item.Start.Line, $"{FieldPath(key)}[{i}]", "must be a mapping of fields.");
            }
        }

        return items;
    }

    /// <summary>A mapping of names to text (e.g. totals per column), each with its line.</summary>
    public IReadOnlyList<(string Name, string Text, int Line)>? TextMap(string key, bool required = false)
    {
        if (Node<YamlMappingNode>(key, required, "a mapping of names to text") is not { } mapping)
        {
            return null;
        }

        var entries = new List<(string, string, int)>();
        foreach (var (name, value) in mapping.Children)
        {
            var field = $"{FieldPath(key)}.{name}";
            if (value is YamlScalarNode { Value: { Length: > 0 } text })
            {
                entries.Add((((YamlScalarNode)name).Value ?? "", text, (int)value.Start.Line));
            }
            else
            {
                Errors.Add((int)value.Start.Line, field, "must be text.");
            }
        }

        return entries;
    }

    /// <summary>An error for every field of this mapping that was not read: a typo is never ignored.</summary>
    public void RejectUnknown()
    {
        foreach (var (key, _) in node.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? key.ToString();
            if (!_known.Contains(name))
            {
                Errors.Add((int)key.Start.Line, FieldPath(name), $"is not a field here; the fields are: {string.Join(", ", _known.Order(StringComparer.Ordinal))}.");
            }
        }
    }

    public void Add(string key, string message) => Errors.Add(LineOf(key), FieldPath(key), message);

    private YamlNode? Find(string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private TNode? Node<TNode>(string key, bool required, string expected)
        where TNode : YamlNode
    {
        _known.Add(key);
        switch (Find(key))
        {
            case null or YamlScalarNode { Value: null or "" }:
                if (required)
                {
                    Errors.Add(LineOf(key), FieldPath(key), "is required.");
                }

                return null;
            case TNode typed:
                return typed;
            case var other:
                Errors.Add((int)other.Start.Line, FieldPath(key), $"must be {expected}.");
                return null;
        }
    }

    private YamlScalarNode? Scalar(string key, bool required, string expected) => Node<YamlScalarNode>(key, required, expected);

    private T? Parse<T>(string key, string expected, Func<string, T?> parse)
        where T : struct =>
        Scalar(key, required: false, expected) is not { } scalar
            ? null
            : parse(scalar.Value ?? "") ?? Error<T>(scalar, key, $"must be {expected}; it is '{scalar.Value}'.");

    private T? Error<T>(YamlScalarNode scalar, string key, string message)
        where T : struct
    {
        Errors.Add((int)scalar.Start.Line, FieldPath(key), message);
        return null;
    }
}
