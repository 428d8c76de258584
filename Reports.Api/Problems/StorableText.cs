namespace Reports.Api.Problems;

/// <summary>
/// Text PostgreSQL can store: no NUL (U+0000, refused by <c>text</c> with 22021 and by <c>jsonb</c> with 22P05) and no
/// unpaired surrogate (not encodable as UTF-8).
/// </summary>
internal static class StorableText
{
    public const string Refusal = "Must not contain NUL (U+0000) or unpaired surrogate characters: they cannot be stored.";

    public static bool IsStorable(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0' || char.IsLowSurrogate(c))
            {
                return false;
            }

            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return false;
                }

                i++;
            }
        }

        return true;
    }

    /// <summary>How a field whose very name is not storable is named in the problem: its characters escaped.</summary>
    public static string Printable(string name) =>
        IsStorable(name) ? name : string.Concat(name.Select(c => c == '\0' || char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}
