using System.Xml.Linq;

namespace Reports.Tests.Deploy;

public sealed class DeployDocumentationTests
{
    [Fact]
    public void Configuration_reference_names_every_setting_the_services_read()
    {
        var reference = File.ReadAllText(Path.Combine(DeployFiles.Root, "docs", "configuration.md"));

        Assert.All(ServiceSettings.Keys(), key =>
            Assert.True(reference.Contains(key.Replace(":", "__", StringComparison.Ordinal), StringComparison.Ordinal)
                || reference.Contains(key, StringComparison.Ordinal), $"docs/configuration.md does not name {key}"));
    }

    [Theory]
    [InlineData("Reports.Api", "reports-api")]
    [InlineData("Reports.Worker", "reports-worker")]
    public void Container_image_is_the_one_the_manifests_run_and_carries_the_font_they_point_at(string project, string repository)
    {
        var csproj = XDocument.Load(Path.Combine(DeployFiles.Root, project, project + ".csproj"));
        var fontVariable = csproj.Descendants("ContainerEnvironmentVariable").Single(e => (string?)e.Attribute("Include") == "Reports__Pdf__FontPath");
        var images = DeployFiles.Objects().Select(o => o.Object).Where(o => o.Str("kind") is "Deployment" or "Job")
            .SelectMany(o => o.Map("spec").Map("template").Map("spec").Items("containers")).Select(c => c.Str("image"));
        var configMapFont = DeployFiles.Single("ConfigMap", "reports-settings").Map("data").Str("Reports__Pdf__FontPath");

        Assert.Equal(repository, csproj.Descendants("ContainerRepository").Single().Value);
        Assert.Contains(images, i => i.Split(':')[0].EndsWith("/" + repository, StringComparison.Ordinal));
        Assert.Equal(configMapFont, (string?)fontVariable.Attribute("Value"));
        Assert.Equal("Entrypoint", csproj.Descendants("ContainerAppCommandInstruction").Single().Value);
    }
}
