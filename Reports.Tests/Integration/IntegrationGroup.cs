namespace Reports.Tests.Integration;

[CollectionDefinition(Name)]
public sealed class IntegrationGroup : ICollectionFixture<Infrastructure>
{
    public const string Name = "Integration";
}
