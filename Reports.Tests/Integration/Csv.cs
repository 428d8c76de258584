using System.Text;

namespace Reports.Tests.Integration;

/// <summary>A small RFC 4180 reader for checking files in tests, independent of the product's writer.</summary>
public static class Csv
{
    /// <param name="lineFeedRows">Rows end with a bare line feed (as LibreOffice writes them) instead of CRLF.</param>
    public static List<string[]> Parse(string text, bool lineFeedRows = false)
    {
        var rowEnd = lineFeedRows ? "\n" : "\r\n";
        var rows = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (string.CompareOrdinal(text, i, rowEnd, 0, rowEnd.Length) == 0)
            {
                fields.Add(field.ToString());
                field.Clear();
                rows.Add([.. fields]);
                fields.Clear();
                i += rowEnd.Length - 1;
            }
            else
            {
                field.Append(c);
            }
        }

        Assert.False(quoted, "The file ends inside a quoted field.");
        Assert.True(field.Length == 0 && fields.Count == 0, $"The last row does not end with {(lineFeedRows ? "LF" : "CRLF")}.");
        return rows;
    }
}
