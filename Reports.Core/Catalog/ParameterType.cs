namespace Reports.Core.Catalog;

public enum ParameterType
{
    Date,
    Text,
    TextList,
    Decimal,
    Integer,
}
