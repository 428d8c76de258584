using System.Collections;
using Reports.AppHost.Hosting;

namespace Reports.Tests.AppHost;

public sealed class CommandLineTests
{
    private static readonly Hashtable NoEnvironment = [];

    [Fact]
    public void Without_arguments_there_are_two_workers_the_api_on_5080_and_no_telemetry_endpoint()
    {
        var options = CommandLine.Parse([], NoEnvironment).Options!;

        Assert.Equal(2, options.Workers);
        Assert.Equal(5080, options.ApiPort);
        Assert.Null(options.OtlpEndpoint);
        Assert.Empty(options.ConnectionStrings);
        Assert.Equal(Path.Combine(options.RepositoryRoot, ".data"), options.DataDirectory);
    }

    [Fact]
    public void Workers_api_port_and_otlp_are_read_with_a_space_or_an_equals_sign()
    {
        var options = CommandLine.Parse(["--workers", "3", "--api-port=6000", "--otlp", "http://localhost:4317"], NoEnvironment).Options!;

        Assert.Equal(3, options.Workers);
        Assert.Equal(6000, options.ApiPort);
        Assert.Equal(new Uri("http://localhost:4317"), options.OtlpEndpoint);
    }

    [Fact]
    public void The_dashboard_port_defaults_to_18888_and_0_picks_a_free_one()
    {
        Assert.Equal(new Uri("http://localhost:18888"), CommandLine.Parse([], NoEnvironment).Options!.DashboardUrl);
        Assert.Equal(19000, CommandLine.Parse(["--dashboard-port", "19000"], NoEnvironment).Options!.DashboardPort);
        Assert.InRange(CommandLine.Parse(["--dashboard-port=0"], NoEnvironment).Options!.DashboardPort, 1, 65535);
        Assert.Null(CommandLine.Parse(["--dashboard-port", "70000"], NoEnvironment).Options);
    }

    [Fact]
    public void Data_dir_is_resolved_to_a_full_path_so_a_relative_folder_means_the_same_everywhere()
    {
        var relative = CommandLine.Parse(["--data-dir", "scratch/run-1/"], NoEnvironment).Options!;
        var absolute = CommandLine.Parse(["--data-dir=/tmp/reports-data"], NoEnvironment).Options!;

        Assert.Equal(Path.Combine(Environment.CurrentDirectory, "scratch", "run-1"), relative.DataDirectory);
        Assert.Equal("/tmp/reports-data", absolute.DataDirectory);
    }

    [Fact]
    public void Each_bad_argument_is_explained_on_stderr_with_exit_code_2()
    {
        string[][] cases =
        [
            ["--workers", "many"], ["--workers", "-1"], ["--workers", "65"], ["--api-port", "0"], ["--api-port", "70000"],
            ["--otlp", "localhost:4317"], ["--otlp", "ftp://collector"], ["--workers"], ["--bogus"], ["stray"],
            ["--data-dir"], ["--data-dir="], ["--data-dir", " "],
        ];
        foreach (var args in cases)
        {
            var parsed = CommandLine.Parse(args, NoEnvironment);
            using var output = new StringWriter();
            using var error = new StringWriter();

            Assert.Equal(2, parsed.Explain(output, error));
            Assert.Null(parsed.Options);
            Assert.Contains("Reports.AppHost:", error.ToString(), StringComparison.Ordinal);
            Assert.Equal("", output.ToString());
        }
    }

    [Fact]
    public void An_unknown_option_is_named_in_the_message()
    {
        using var error = new StringWriter();

        CommandLine.Parse(["--wokers", "3"], NoEnvironment).Explain(TextWriter.Null, error);

        Assert.Contains("unknown option '--wokers'", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Help_prints_the_usage_and_exits_0()
    {
        using var output = new StringWriter();

        var exitCode = CommandLine.Parse(["--workers", "3", "--help"], NoEnvironment).Explain(output, TextWriter.Null);

        Assert.Equal(0, exitCode);
        Assert.Contains("--workers N", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--data-dir DIR", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Valid_arguments_need_no_explanation()
    {
        Assert.Null(CommandLine.Parse(["--workers", "0"], NoEnvironment).Explain(TextWriter.Null, TextWriter.Null));
    }

    [Fact]
    public void Connection_strings_come_from_Aspire_named_environment_variables_and_the_command_line()
    {
        var environment = new Hashtable
        {
            ["ConnectionStrings__redis"] = "cache:6380",
            ["ConnectionStrings__reportsdb"] = "Host=db;Database=reportsdb",
            ["ConnectionStrings__empty"] = "",
            ["PATH"] = "/usr/bin",
        };

        var options = CommandLine.Parse(["--ConnectionStrings:blobs", "UseDevelopmentStorage=true", "--ConnectionStrings:redis=other:6379"], environment).Options!;

        Assert.Equal("other:6379", options.GivenConnectionString("redis"));
        Assert.Equal("Host=db;Database=reportsdb", options.GivenConnectionString("reportsdb"));
        Assert.Equal("UseDevelopmentStorage=true", options.GivenConnectionString("blobs"));
        Assert.Null(options.GivenConnectionString("empty"));
        Assert.Equal(3, options.ConnectionStrings.Count);
    }
}
