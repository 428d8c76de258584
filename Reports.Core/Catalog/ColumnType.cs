namespace Reports.Core.Catalog;

/// <summary>How a column is read from PostgreSQL and written to a file.</summary>
public enum ColumnType
{
    Text,
    Integer,
    Decimal,
    Date,
    Timestamp,
}
