using System.Globalization;
using System.Security;
using System.Text;
using Reports.Core.Catalog;

namespace Reports.Core.Generation.Xlsx;

/// <summary>
/// The small parts of a workbook around its sheets: the package's content types and relationships, the workbook (its
/// sheets and their autofilter ranges), the styles (one plain and one bold cell format per column, from the column's
/// number format) and the document properties. All of them are written once the sheets are, when their number is known.
/// </summary>
internal static class XlsxParts
{
    public const string Main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    private const string Relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    private const string Declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

    /// <summary>The cell format of the bold header row; a column's plain format is <c>2 + 2c</c>, its bold one <c>3 + 2c</c>.</summary>
    public const int HeaderStyle = 1;

    public static int Style(int column, bool bold) => 2 + (2 * column) + (bold ? 1 : 0);

    public static string ContentTypes(int sheets)
    {
        var overrides = new StringBuilder();
        for (var i = 1; i <= sheets; i++)
        {
            overrides.Append(CultureInfo.InvariantCulture,
                $"<Override PartName=\"/xl/worksheets/sheet{i}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>");
        }

        return Declaration + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
            + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
            + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
            + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
            + overrides
            + "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
            + "<Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
            + "<Override PartName=\"/docProps/app.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>"
            + "</Types>";
    }

    public static string PackageRelationships() =>
        Declaration + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        + $"<Relationship Id=\"rId1\" Type=\"{Relationships}/officeDocument\" Target=\"xl/workbook.xml\"/>"
        + "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/>"
        + $"<Relationship Id=\"rId3\" Type=\"{Relationships}/extended-properties\" Target=\"docProps/app.xml\"/>"
        + "</Relationships>";

    /// <param name="sheets">Each sheet's name and the last row of its autofilter range (the header and its data rows).</param>
    public static string Workbook(IReadOnlyList<(string Name, long FilterLastRow)> sheets, int columns)
    {
        var list = new StringBuilder();
        var names = new StringBuilder();
        var lastColumn = ColumnName(columns - 1);
        for (var i = 0; i < sheets.Count; i++)
        {
            var name = Escape(sheets[i].Name);
            list.Append(CultureInfo.InvariantCulture, $"<sheet name=\"{name}\" sheetId=\"{i + 1}\" r:id=\"rId{i + 1}\"/>");
            names.Append(CultureInfo.InvariantCulture,
                $"<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"{i}\" hidden=\"1\">'{Escape(sheets[i].Name.Replace("'", "''", StringComparison.Ordinal))}'!$A$1:${lastColumn}${sheets[i].FilterLastRow}</definedName>");
        }

        return Declaration + $"<workbook xmlns=\"{Main}\" xmlns:r=\"{Relationships}\">"
            + "<bookViews><workbookView activeTab=\"0\"/></bookViews>"
            + $"<sheets>{list}</sheets><definedNames>{names}</definedNames></workbook>";
    }

    public static string WorkbookRelationships(int sheets)
    {
        var list = new StringBuilder();
        for (var i = 1; i <= sheets; i++)
        {
            list.Append(CultureInfo.InvariantCulture, $"<Relationship Id=\"rId{i}\" Type=\"{Relationships}/worksheet\" Target=\"worksheets/sheet{i}.xml\"/>");
        }

        list.Append(CultureInfo.InvariantCulture, $"<Relationship Id=\"rId{sheets + 1}\" Type=\"{Relationships}/styles\" Target=\"styles.xml\"/>");
        return Declaration + $"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">{list}</Relationships>";
    }

    public static string Styles(IReadOnlyList<ReportColumn> columns)
    {
        var custom = new List<string>();
        int NumberFormat(ReportColumn column)
        {
            var code = column.Type switch
            {
                ColumnType.Date => "yyyy-mm-dd",
                ColumnType.Timestamp => "yyyy-mm-dd hh:mm:ss",
                ColumnType.Integer => column.Format ?? "0",
                ColumnType.Decimal => column.Format,
                _ => null,
            };
            switch (code)
            {
                case null:
                    return 0;
                case "0":
                    return 1;
                case "0.00":
                    return 2;
                case "#,##0":
                    return 3;
                case "#,##0.00":
                    return 4;
            }

            var at = custom.IndexOf(code);
            if (at < 0)
            {
                custom.Add(code);
                at = custom.Count - 1;
            }

            return 164 + at;
        }

        var xfs = new StringBuilder("<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>")
            .Append("<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>");
        foreach (var column in columns)
        {
            var format = NumberFormat(column);
            xfs.Append(CultureInfo.InvariantCulture, $"<xf numFmtId=\"{format}\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>");
            xfs.Append(CultureInfo.InvariantCulture, $"<xf numFmtId=\"{format}\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\" applyFont=\"1\"/>");
        }

        var formats = string.Concat(custom.Select((code, i) => $"<numFmt numFmtId=\"{164 + i}\" formatCode=\"{Escape(code)}\"/>"));
        return Declaration + $"<styleSheet xmlns=\"{Main}\">"
            + (custom.Count > 0 ? $"<numFmts count=\"{custom.Count}\">{formats}</numFmts>" : "")
            + "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>"
            + "<font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font></fonts>"
            + "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>"
            + "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
            + "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
            + string.Create(CultureInfo.InvariantCulture, $"<cellXfs count=\"{2 + (2 * columns.Count)}\">{xfs}</cellXfs>")
            + "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
            + "</styleSheet>";
    }

    /// <summary>Title, subject, parameters (as the description) and the time, which is the job's creation time.</summary>
    public static string CoreProperties(XlsxDocument document)
    {
        var time = document.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return Declaration + "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\""
            + " xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\""
            + " xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
            + $"<dc:title>{Escape(document.Title)}</dc:title><dc:subject>{Escape(document.Subject)}</dc:subject>"
            + $"<dc:creator>Reports</dc:creator><dc:description>{Escape(document.Description)}</dc:description>"
            + $"<dcterms:created xsi:type=\"dcterms:W3CDTF\">{time}</dcterms:created>"
            + $"<dcterms:modified xsi:type=\"dcterms:W3CDTF\">{time}</dcterms:modified>"
            + "</cp:coreProperties>";
    }

    public static string AppProperties() =>
        Declaration + "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\"><Application>Reports</Application></Properties>";

    /// <summary>The opening of a sheet: its view (header frozen), its column widths, and the start of its rows.</summary>
    public static string SheetStart(IReadOnlyList<ReportColumn> columns, bool selected)
    {
        var widths = new StringBuilder();
        for (var i = 0; i < columns.Count; i++)
        {
            widths.Append(CultureInfo.InvariantCulture, $"<col min=\"{i + 1}\" max=\"{i + 1}\" width=\"{Width(columns[i]):0.#}\" customWidth=\"1\"/>");
        }

        return Declaration + $"<worksheet xmlns=\"{Main}\" xmlns:r=\"{Relationships}\">"
            + $"<sheetViews><sheetView{(selected ? " tabSelected=\"1\"" : "")} workbookViewId=\"0\">"
            + "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/><selection pane=\"bottomLeft\"/></sheetView></sheetViews>"
            + $"<sheetFormatPr defaultRowHeight=\"15\"/><cols>{widths}</cols><sheetData>";
    }

    public static string SheetEnd(int columns, long filterLastRow) =>
        string.Create(CultureInfo.InvariantCulture, $"</sheetData><autoFilter ref=\"A1:{ColumnName(columns - 1)}{filterLastRow}\"/></worksheet>");

    /// <summary>A column's width in characters, from its relative width in the definition, wide enough for its dates.</summary>
    public static double Width(ReportColumn column)
    {
        var minimum = column.Type switch { ColumnType.Timestamp => 20, ColumnType.Date => 12, _ => 8 };
        return Math.Round(Math.Max(minimum, column.Width * 13), 1);
    }

    /// <summary>A, B, …, Z, AA, …</summary>
    public static string ColumnName(int index)
    {
        var name = "";
        for (var n = index + 1; n > 0; n = (n - 1) / 26)
        {
            name = (char)('A' + ((n - 1) % 26)) + name;
        }

        return name;
    }

    /// <summary>A sheet name Excel accepts: none of <c>[]:*?/\</c>, at most 31 characters, with its number after the first.</summary>
    public static string SheetName(string title, int number)
    {
        var clean = new string([.. title.Where(c => "[]:*?/\\".IndexOf(c, StringComparison.Ordinal) < 0 && !char.IsControl(c))]).Trim('\'', ' ');
        clean = clean.Length == 0 ? "Report" : clean;
        var suffix = number == 1 ? "" : string.Create(CultureInfo.InvariantCulture, $" ({number})");
        return clean[..Math.Min(clean.Length, 31 - suffix.Length)] + suffix;
    }

    public static string Escape(string text) => SecurityElement.Escape(XmlText.RemoveInvalid(text));
}
