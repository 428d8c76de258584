namespace Reports.LocalServers;

/// <summary>Where a project's build output is: <c>&lt;repo&gt;/&lt;Project&gt;/bin/&lt;Configuration&gt;/&lt;tfm&gt;/&lt;Project&gt;.dll</c>.</summary>
public static class ProjectPaths
{
    private const string DefaultConfiguration = "Debug";
    private const string DefaultTargetFramework = "net10.0";

    /// <summary>The build configuration of an output folder such as <c>…/Reports.AppHost/bin/Release/net10.0/</c> (Release).</summary>
    public static string ConfigurationOf(string outputDirectory) => OutputSegments(outputDirectory).Configuration;

    public static string AssemblyPath(string repositoryRoot, string projectName, string configuration) =>
        Path.Combine(repositoryRoot, projectName, "bin", configuration, OutputSegments(AppContext.BaseDirectory).TargetFramework, projectName + ".dll");

    private static (string Configuration, string TargetFramework) OutputSegments(string outputDirectory)
    {
        ArgumentNullException.ThrowIfNull(outputDirectory);
        var segments = outputDirectory.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var bin = Array.LastIndexOf(segments, "bin");
        return bin >= 0 && bin + 2 < segments.Length
            ? (segments[bin + 1], segments[bin + 2])
            : (DefaultConfiguration, DefaultTargetFramework);
    }
}
