using PredictionCache.Silo.Tests.Grains;
using PredictionCache.Silo.Tests.Infrastructure;

namespace PredictionCache.Silo.Tests;

public sealed class GrainFactoryTests
{
    [Fact]
    public async Task GetGrain_DoesNotActivate_FirstCallDoes()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();

        // Act
        var grain = silo.GetGrain<ICounterGrain>("lazy");

        // Assert
        Assert.Equal(0, silo.Management.GetActivationCount<CounterGrain>());
        Assert.Empty(silo.Probe.Activations("lazy"));
        Assert.Empty(silo.Runtime.Types.Single(t => t.GrainClass == typeof(CounterGrain)).Activations);

        await grain.GetValueAsync();
        Assert.Equal(1, silo.Management.GetActivationCount<CounterGrain>());
        Assert.Single(silo.Probe.Activations("lazy"));
    }

    [Fact]
    public async Task GetGrain_ManyReferencesToOneKey_ShareOneActivation()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var references = Enumerable.Range(0, 10).Select(_ => silo.GetGrain<ICounterGrain>("shared")).ToList();

        // Act
        var values = new List<int>();
        foreach (var reference in references)
        {
            values.Add(await reference.IncrementAsync());
        }

        // Assert
        Assert.Equal(Enumerable.Range(1, 10), values);
        Assert.Single(silo.Probe.Activations("shared"));
        Assert.Equal(1, silo.Management.GetActivationCount<CounterGrain>());
    }

    [Fact]
    public async Task GetGrain_SameKey_ReferencesAreEqual()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();

        // Act
        var first = silo.GetGrain<ICounterGrain>("k");
        var second = silo.GetGrain<ICounterGrain>("k");
        var other = silo.GetGrain<ICounterGrain>("other");
        var ledger = silo.GetGrain<ILedgerGrain>("k");

        // Assert
        Assert.NotSame(first, second);
        Assert.Equal(first, second);
        Assert.True(((GrainReference)first).Equals((GrainReference)second));
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.Equal(first.GrainId, second.GrainId);
        Assert.NotEqual(first, other);
        Assert.NotEqual<object>(first, ledger);
        Assert.Equal("counter/k", first.ToString());
        Assert.Equal("ledger", ledger.GrainId.Type.Name);
    }

    [Fact]
    public async Task GetGrain_ReferenceIsBoundToItsSilo_NotEqualAcrossSilos()
    {
        // Arrange
        await using var first = await TestSilo.StartAsync();
        await using var second = await TestSilo.StartAsync();

        // Act
        var a = first.GetGrain<ICounterGrain>("k");
        var b = second.GetGrain<ICounterGrain>("k");

        // Assert
        Assert.NotEqual(a, b);
    }

    [Fact]
    public async Task GetGrain_UnregisteredInterface_ThrowsArgumentException()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();

        // Act
        var exception = Assert.Throws<ArgumentException>(() => silo.GetGrain<IUnregisteredGrain>("k"));

        // Assert
        Assert.Contains(nameof(IUnregisteredGrain), exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetGrain_NullKey_ThrowsArgumentNullException()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();

        // Act and assert
        Assert.Throws<ArgumentNullException>(() => silo.GetGrain<ICounterGrain>(null!));
    }
}
