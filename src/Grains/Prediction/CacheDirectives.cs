namespace PredictionCache.Grains.Prediction;

/// <summary>The RFC 9111 request directives a client may send with a prediction request.</summary>
/// <param name="NoCache">Skip the lookup, infer again and replace the entry.</param>
/// <param name="NoStore">Do not store this result.</param>
/// <param name="MaxAge">Count an entry older than this as a miss.</param>
/// <param name="OnlyIfCached">Answer from the cache or not at all; never infer.</param>
/// <param name="MaxStale">
/// Accept an entry expired no more than this long ago (<see cref="TimeSpan.MaxValue"/>: any amount), within the
/// cache's grace; null accepts only fresh entries.
/// </param>
[GenerateSerializer, Immutable, Alias("predictioncache.directives")]
public readonly record struct CacheDirectives(
    [property: Id(0)] bool NoCache = false,
    [property: Id(1)] bool NoStore = false,
    [property: Id(2)] TimeSpan? MaxAge = null,
    [property: Id(3)] bool OnlyIfCached = false,
    [property: Id(4)] TimeSpan? MaxStale = null);
