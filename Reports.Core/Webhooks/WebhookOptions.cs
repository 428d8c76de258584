namespace Reports.Core.Webhooks;

/// <summary>Webhook delivery settings (<c>Reports:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Reports:Webhooks";

    /// <summary>Allow targets on loopback addresses (tests, local development). Off in production.</summary>
    public bool AllowLoopback { get; set; }

    /// <summary>Allow targets on private, link-local and other non-public addresses. Off in production.</summary>
    public bool AllowPrivateNetworks { get; set; }
}
