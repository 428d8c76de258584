using System.Text;
using System.Text.Json;

namespace Reports.Api.Problems;

/// <summary>Finds the first string (value or property name) of a JSON document that PostgreSQL cannot store, by its path.</summary>
internal static class JsonTextScan
{
    private static readonly byte[] Escape = "\\u"u8.ToArray();

    /// <summary>
    /// The path (<c>name</c>, <c>parameters.countries[0]</c>) of the first string that is not storable, or null. Such a
    /// character can only come as a <c>\u</c> escape (a raw NUL is not JSON), so a body without one is not parsed.
    /// A document that is not valid JSON is left to the endpoint, which answers it with its own 400.
    /// </summary>
    public static string? FirstUnstorable(ReadOnlySpan<byte> json)
    {
        if (json.IndexOf(Escape) < 0)
        {
            return null;
        }

        var frames = new List<Frame> { new(IsArray: false) };
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            while (reader.Read())
            {
                var top = frames[^1];
                if (top.IsArray && reader.TokenType is not (JsonTokenType.EndArray or JsonTokenType.EndObject or JsonTokenType.PropertyName))
                {
                    top.Index++;
                }

                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        frames.Add(new(IsArray: false));
                        break;
                    case JsonTokenType.StartArray:
                        frames.Add(new(IsArray: true));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        top.Name = Read(ref reader, out var nameStorable);
                        if (!nameStorable)
                        {
                            return PathOf(frames);
                        }

                        break;
                    case JsonTokenType.String:
                        _ = Read(ref reader, out var valueStorable);
                        if (!valueStorable)
                        {
                            return PathOf(frames);
                        }

                        break;
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return null;
    }

    /// <summary>The string, and whether it can be stored (an unpaired surrogate escape cannot even be read as one).</summary>
    private static string Read(ref Utf8JsonReader reader, out bool storable)
    {
        try
        {
            var text = reader.GetString()!;
            storable = StorableText.IsStorable(text);
            return StorableText.Printable(text);
        }
        catch (InvalidOperationException)
        {
            storable = false;
            return Encoding.UTF8.GetString(reader.ValueSpan); // still escaped: printable as it is
        }
    }

    private static string PathOf(List<Frame> frames)
    {
        var path = new StringBuilder();
        foreach (var frame in frames.Skip(1))
        {
            if (frame.IsArray)
            {
                path.Append('[').Append(frame.Index).Append(']');
            }
            else if (frame.Name is { } name)
            {
                path.Append(path.Length == 0 ? "" : ".").Append(name);
            }
        }

        return path.Length == 0 ? "body" : path.ToString();
    }

    private sealed record Frame(bool IsArray)
    {
        public int Index { get; set; } = -1;

        public string? Name { get; set; }
    }
}
