namespace Reports.Api;

/// <summary>Names this assembly for hosts that start it in-process (WebApplicationFactory in tests).</summary>
public sealed class ApiMarker;
