namespace Reports.Core.Catalog.Files;

/// <summary>A parameter as a file declares it: the API's parameter, its name in the SQL, and how its value is bound.</summary>
internal sealed record FileParameter(ReportParameter Parameter, string SqlName, ParameterBind Bind, int Line, string Field);
