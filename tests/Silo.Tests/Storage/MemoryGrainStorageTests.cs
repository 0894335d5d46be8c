using PredictionCache.Silo.Tests.Grains;
using PredictionCache.Silo.Tests.Infrastructure;

namespace PredictionCache.Silo.Tests.Storage;

/// <summary>The grain storage contract on the in-memory provider, and the provider inside a running silo.</summary>
public sealed class MemoryGrainStorageTests : GrainStorageContractTests
{
    [Fact]
    public async Task Grains_TwoTypesSameKeySameStateName_KeepSeparateRecords()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var counter = silo.GetGrain<ICounterGrain>("same-key");
        var ledger = silo.GetGrain<ILedgerGrain>("same-key");

        // Act
        await counter.IncrementAsync();
        await ledger.IncrementAsync();
        await ledger.IncrementAsync();
        await counter.DeactivateOnIdleAsync("reload");
        await ledger.DeactivateOnIdleAsync("reload");

        // Assert
        Assert.Equal(1, await counter.GetValueAsync());
        Assert.Equal(2, await ledger.GetValueAsync());
    }

    private protected override StorageBackend CreateBackend() => new MemoryBackend();
}
