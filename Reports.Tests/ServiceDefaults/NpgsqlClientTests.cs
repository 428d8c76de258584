using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Reports.Tests.ServiceDefaults;

public sealed class NpgsqlClientTests
{
    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0", true)]
    [InlineData("Host=db;maxautoprepare=0", true)]
    [InlineData("Host=db;Username=x", false)]
    public void A_connection_string_that_names_auto_preparation_is_left_as_it_is(string connectionString, bool sets) =>
        Assert.Equal(sets, ReportsClients.Names(connectionString, "Max Auto Prepare"));

    [Theory]
    [InlineData("Host=db;Username=x", ReportsClients.AutoPreparedStatements, true)]
    [InlineData("Host=db;Username=x;Max Auto Prepare=0;No Reset On Close=false", 0, false)]
    public void The_services_prepare_their_statements_and_keep_sessions_unless_told_otherwise(string connectionString, int prepared, bool noReset)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:reportsdb"] = connectionString });
        builder.AddReportsDatabase();
        using var host = builder.Build();

        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();

        var settings = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        Assert.Equal(prepared, settings.MaxAutoPrepare);
        Assert.Equal(noReset, settings.NoResetOnClose);
    }
}
