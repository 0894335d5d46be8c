namespace PredictionCache.Silo.Storage;

/// <summary>Lets the host read a persistent state before activation without knowing its type.</summary>
internal interface ILoadableState
{
    Task ReadStateAsync(CancellationToken cancellationToken);
}
