namespace Reports.Core.Access;

/// <summary>What registering the configured bootstrap admin key found, and how many older bootstrap keys it revoked.</summary>
public sealed record BootstrapKeyOutcome(BootstrapKeyState State, int RevokedOthers)
{
    public static readonly BootstrapKeyOutcome Revoked = new(BootstrapKeyState.Revoked, 0);
}

public enum BootstrapKeyState
{
    /// <summary>No key is configured: every bootstrap key is revoked.</summary>
    None,

    /// <summary>The configured key works; every other bootstrap key is revoked.</summary>
    Active,

    /// <summary>The configured key was revoked before (rotated away, or by an admin) and stays revoked.</summary>
    Revoked,

    /// <summary>
    /// A key that is not a bootstrap key already has the configured key's lookup prefix: the configured key cannot be
    /// registered, and every older bootstrap key is revoked all the same.
    /// </summary>
    PrefixTaken,
}
