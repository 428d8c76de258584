namespace Reports.Tests.Browser;

/// <summary>Browser tests share one running system and one Chromium; they run one at a time, as one person would.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserGroup : ICollectionFixture<BrowserSystem>
{
    public const string Name = "Browser";
}
