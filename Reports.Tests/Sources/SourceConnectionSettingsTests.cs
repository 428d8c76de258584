using Npgsql;
using Reports.Core.Sources;
using Microsoft.Extensions.Hosting;

namespace Reports.Tests.Sources;

/// <summary>How a PostgreSQL report source's connections are set up from its connection string and settings.</summary>
public sealed class SourceConnectionSettingsTests
{
    [Fact]
    public void A_source_reads_its_rows_through_a_64_kib_buffer_unless_its_connection_string_names_one()
    {
        Assert.Equal(ReportSourceClients.ReadBufferBytes, Configured("Host=db.example").ReadBufferSize);
        Assert.Equal(16_384, Configured("Host=db.example;Read Buffer Size=16384").ReadBufferSize);
        Assert.Equal(4, Configured("Host=db.example;Maximum Pool Size=4").MaxPoolSize);
        Assert.Contains("default_transaction_read_only=on", Configured("Host=db.example").Options, StringComparison.Ordinal);
    }

    private static NpgsqlConnectionStringBuilder Configured(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        ReportSourceClients.ConfigurePostgres(builder, new SourceOptions());
        return builder.ConnectionStringBuilder;
    }
}
