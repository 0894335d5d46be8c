using PredictionCache.Grains.Inference;

namespace PredictionCache.Gateway.Predict;

/// <summary>The body of <c>POST /predict/batch</c>.</summary>
/// <param name="Items">The requests, each as the body of <c>POST /predict</c>; at most <c>Gateway:MaxBatchItems</c>.</param>
public sealed record BatchPredictRequest(IReadOnlyList<PredictRequest> Items);

/// <summary>The answer of <c>POST /predict/batch</c>: one item per request item, in the same order.</summary>
/// <param name="Items">The answers.</param>
public sealed record BatchPredictResponse(IReadOnlyList<BatchPredictItem> Items);

/// <summary>One item's answer.</summary>
/// <param name="Index">Its position in the request.</param>
/// <param name="Status">
/// <c>hit</c> and <c>stale</c> (answered from the cache, <c>result</c> set); <c>processing</c> (a job started or joined:
/// poll <c>/jobs/{job_id}</c>); <c>completed</c> (its job finished within <c>Prefer: wait</c>); <c>failed</c> (its job
/// failed, or a remembered failure); <c>error</c> (the item itself is invalid, or it could not be served:
/// queue full, only-if-cached).
/// </param>
/// <param name="Key">The cache key; null for an invalid item.</param>
/// <param name="JobId">The job that answers it; null when there is none.</param>
/// <param name="Result">The prediction, for <c>hit</c>, <c>stale</c> and <c>completed</c>.</param>
/// <param name="Cached">True when answered from the cache.</param>
/// <param name="Error">What went wrong, for <c>failed</c> and <c>error</c>.</param>
public sealed record BatchPredictItem(
    int Index, string Status, string? Key, Guid? JobId, PredictionResult? Result, bool Cached, BatchItemError? Error);

/// <summary>Why one item was not answered, as the problem <c>POST /predict</c> would have answered for it.</summary>
/// <param name="Status">The HTTP status the single request would have had (400, 413, 502, 503, 504).</param>
/// <param name="Title">The problem's title.</param>
/// <param name="Detail">The problem's detail.</param>
public sealed record BatchItemError(int Status, string Title, string Detail);
