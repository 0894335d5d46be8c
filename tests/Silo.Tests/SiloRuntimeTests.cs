using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PredictionCache.Silo.Tests.Grains;
using PredictionCache.Silo.Tests.Infrastructure;

namespace PredictionCache.Silo.Tests;

public sealed class SiloRuntimeTests
{
    [Fact]
    public async Task Start_TwoGrainClassesWithTheSameTypeName_Throws()
    {
        // Act: Grains.CounterGrain and Grains.Duplicate.CounterGrain both name the grain type "counter".
        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => TestSilo.StartAsync(configureSilo: silo =>
            silo.AddGrain<Grains.Duplicate.IDuplicateCounterGrain, Grains.Duplicate.CounterGrain>(
                binding => new Grains.Duplicate.DuplicateCounterGrainReference(binding))));

        // Assert
        Assert.Contains("'counter'", exception.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(Grains.Duplicate.CounterGrain).FullName!, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_CollectionQuantumOutOfRange_FailsValidation()
    {
        // Act
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => TestSilo.StartAsync(services =>
            services.Configure<GrainCollectionOptions>(options => options.CollectionQuantum = TimeSpan.Zero)));

        // Assert
        Assert.Contains(nameof(GrainCollectionOptions.CollectionQuantum), exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetActivationCounts_ListsEveryRegisteredTypeByName()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        await silo.GetGrain<ITurnGrain>("a").GetStatsAsync();
        await silo.GetGrain<ITurnGrain>("b").GetStatsAsync();

        // Act
        var counts = silo.Management.GetActivationCounts();

        // Assert
        Assert.Equal(
            ["alwaysactive", "counter", "deactivator", "flakyactivation", "ledger", "shortlived", "timer", "turn"],
            counts.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, counts["turn"]);
        Assert.Equal(2, silo.Management.GetActivationCount<TurnGrain>());
        Assert.Equal(0, silo.Management.GetActivationCount<CounterGrain>());
    }
}
