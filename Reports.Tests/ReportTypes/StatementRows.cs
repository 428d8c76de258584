using Reports.Tests.Integration;

namespace Reports.Tests.ReportTypes;

/// <summary>A customer's statement computed from the plain orders: each order, what it charged, and the running balance.</summary>
internal static class StatementRows
{
    public static async Task<List<object[]>> ExpectedAsync(Infrastructure infrastructure, int customer)
    {
        var balance = 0m;
        var rows = new List<object[]>();
        foreach (var row in await SqlRows.ReadAsync(infrastructure.PostgresConnectionString, CustomerStatementReportTests.OrdersSql, customer))
        {
            var amount = (decimal)row[5];
            var charged = (string)row[2] is "completed" or "pending" ? amount : 0.00m;
            balance += charged;
            rows.Add([.. row, charged, balance]);
        }

        Assert.True(rows.Count > 10, "the busiest customer should have a real statement");
        return rows;
    }
}
