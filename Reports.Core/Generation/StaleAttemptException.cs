namespace Reports.Core.Generation;

/// <summary>
/// Storage refused this attempt's file: a newer attempt of the job has already written it. The attempt has lost the
/// job, exactly as when PostgreSQL refuses one of its writes.
/// </summary>
public sealed class StaleAttemptException(string fileName, int attempt, int newer)
    : Exception($"File {fileName} was written by attempt {newer}; attempt {attempt} may no longer write it.");
