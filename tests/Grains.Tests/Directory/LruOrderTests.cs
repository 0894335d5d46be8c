using PredictionCache.Grains.Directory;

namespace PredictionCache.Grains.Tests.Directory;

public sealed class LruOrderTests
{
    [Fact]
    public void AddOrTouch_NewKeys_AreAddedMostRecentFirst()
    {
        // Arrange
        var lru = new LruOrder();

        // Act
        var added = new[] { lru.AddOrTouch("a"), lru.AddOrTouch("b"), lru.AddOrTouch("c") };

        // Assert
        Assert.Equal([true, true, true], added);
        Assert.Equal(["c", "b", "a"], lru.InOrder());
        Assert.Equal(3, lru.Count);
    }

    [Fact]
    public void AddOrTouch_ExistingKey_MovesItToFrontAndReturnsFalse()
    {
        // Arrange
        var lru = Filled("a", "b", "c");

        // Act
        var added = lru.AddOrTouch("a");

        // Assert
        Assert.False(added);
        Assert.Equal(["a", "c", "b"], lru.InOrder());
        Assert.Equal(3, lru.Count);
    }

    [Theory]
    [InlineData("a", new[] { "a", "c", "b" })]
    [InlineData("b", new[] { "b", "c", "a" })]
    [InlineData("c", new[] { "c", "b", "a" })]
    public void Touch_PresentKey_MovesItToFront(string key, string[] expected)
    {
        // Arrange
        var lru = Filled("a", "b", "c");

        // Act
        lru.Touch(key);

        // Assert
        Assert.Equal(expected, lru.InOrder());
    }

    [Fact]
    public void Touch_AbsentKey_ChangesNothing()
    {
        // Arrange
        var lru = Filled("a", "b");

        // Act
        lru.Touch("x");

        // Assert
        Assert.Equal(["b", "a"], lru.InOrder());
        Assert.Equal(2, lru.Count);
    }

    [Theory]
    [InlineData("a", new[] { "c", "b" })]
    [InlineData("b", new[] { "c", "a" })]
    [InlineData("c", new[] { "b", "a" })]
    public void Remove_PresentKey_UnlinksIt(string key, string[] expected)
    {
        // Arrange
        var lru = Filled("a", "b", "c");

        // Act
        var removed = lru.Remove(key);

        // Assert
        Assert.True(removed);
        Assert.Equal(expected, lru.InOrder());
        Assert.Equal(2, lru.Count);
    }

    [Fact]
    public void Remove_AbsentKey_ReturnsFalse()
    {
        // Arrange
        var lru = Filled("a");

        // Act
        var removed = lru.Remove("x");

        // Assert
        Assert.False(removed);
        Assert.Equal(["a"], lru.InOrder());
    }

    [Fact]
    public void RemoveLeastRecent_AfterTouches_EvictsInLeastRecentlyUsedOrder()
    {
        // Arrange
        var lru = Filled("a", "b", "c", "d");
        lru.Touch("a");
        lru.AddOrTouch("c");

        // Act
        var evicted = new[] { lru.RemoveLeastRecent(), lru.RemoveLeastRecent(), lru.RemoveLeastRecent(), lru.RemoveLeastRecent() };

        // Assert
        Assert.Equal(["b", "d", "a", "c"], evicted.Select(k => k ?? "(none)"));
        Assert.Equal(0, lru.Count);
        Assert.Empty(lru.InOrder());
    }

    [Fact]
    public void RemoveLeastRecent_Empty_ReturnsNull()
    {
        // Arrange
        var lru = new LruOrder();

        // Act
        var evicted = lru.RemoveLeastRecent();

        // Assert
        Assert.Null(evicted);
        Assert.Equal(0, lru.Count);
    }

    [Fact]
    public void RemoveLeastRecent_Emptied_ReturnsNullAndAcceptsNewKeys()
    {
        // Arrange
        var lru = Filled("a");
        lru.RemoveLeastRecent();

        // Act
        var evicted = lru.RemoveLeastRecent();
        lru.AddOrTouch("b");

        // Assert
        Assert.Null(evicted);
        Assert.Equal(["b"], lru.InOrder());
        Assert.Equal("b", lru.RemoveLeastRecent());
    }

    [Fact]
    public void Clear_RemovesEverything()
    {
        // Arrange
        var lru = Filled("a", "b", "c");

        // Act
        lru.Clear();

        // Assert
        Assert.Equal(0, lru.Count);
        Assert.Empty(lru.InOrder());
        Assert.Empty(lru.Keys);
        Assert.Null(lru.RemoveLeastRecent());
        Assert.True(lru.AddOrTouch("a"));
        Assert.Equal(["a"], lru.InOrder());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomOperations_MatchAReferenceList(int seed)
    {
        // Arrange: a list with the most recent key first is the reference model.
        var random = new Random(seed);
        var lru = new LruOrder();
        var model = new List<string>();

        for (var step = 0; step < 20_000; step++)
        {
            var key = "k" + random.Next(24);

            // Act
            switch (random.Next(5))
            {
                case 0:
                    var added = lru.AddOrTouch(key);
                    Assert.Equal(!model.Contains(key), added);
                    model.Remove(key);
                    model.Insert(0, key);
                    break;
                case 1:
                    lru.Touch(key);
                    if (model.Remove(key))
                    {
                        model.Insert(0, key);
                    }

                    break;
                case 2:
                    Assert.Equal(model.Remove(key), lru.Remove(key));
                    break;
                case 3:
                    var evicted = lru.RemoveLeastRecent();
                    Assert.Equal(model.LastOrDefault(), evicted);
                    if (model.Count > 0)
                    {
                        model.RemoveAt(model.Count - 1);
                    }

                    break;
                default:
                    lru.AddOrTouch(key);
                    model.Remove(key);
                    model.Insert(0, key);
                    break;
            }

            // Assert
            Assert.Equal(model, lru.InOrder());
            Assert.Equal(model.Count, lru.Count);
        }

        Assert.Equal(model.Order(StringComparer.Ordinal), lru.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void RemoveLeastRecent_OfATenant_TakesThatTenantsColdestOnly()
    {
        // Arrange
        var lru = new LruOrder();
        lru.AddOrTouch("a1", "a");
        lru.AddOrTouch("b1", "b");
        lru.AddOrTouch("a2", "a");
        lru.AddOrTouch("n1");
        lru.Touch("a1");

        // Act
        var evicted = lru.RemoveLeastRecent("a");

        // Assert
        Assert.Equal("a2", evicted);
        Assert.Equal(["a1", "n1", "b1"], lru.InOrder());
        Assert.Equal((1, 1, 1), (lru.CountOf("a"), lru.CountOf("b"), lru.CountOf("")));
        Assert.Null(lru.RemoveLeastRecent("nobody"));
    }

    [Fact]
    public void Clear_OfATenant_RemovesItsKeysAndKeepsTheOthersInOrder()
    {
        // Arrange
        var lru = new LruOrder();
        lru.AddOrTouch("a1", "a");
        lru.AddOrTouch("b1", "b");
        lru.AddOrTouch("a2", "a");
        lru.AddOrTouch("b2", "b");

        // Act
        var cleared = lru.Clear("a");

        // Assert
        Assert.Equal(["a1", "a2"], cleared);
        Assert.Equal(["b2", "b1"], lru.InOrder());
        Assert.Equal(["b"], lru.Tenants);
        Assert.Equal(0, lru.CountOf("a"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomOperationsOverTenants_MatchReferenceLists(int seed)
    {
        // Arrange: one list overall, most recent first, is the reference; each tenant's order is its keys in it.
        var random = new Random(seed);
        var lru = new LruOrder();
        var model = new List<string>();
        string[] tenants = ["", "a", "b"];
        static string TenantOf(string key) => key[0] switch { 'a' => "a", 'b' => "b", _ => "" };

        for (var step = 0; step < 20_000; step++)
        {
            var key = tenants[random.Next(3)] switch { "" => "n", var t => t } + random.Next(8);

            // Act
            switch (random.Next(6))
            {
                case 0:
                case 1:
                    Assert.Equal(!model.Contains(key), lru.AddOrTouch(key, TenantOf(key)));
                    model.Remove(key);
                    model.Insert(0, key);
                    break;
                case 2:
                    lru.Touch(key);
                    if (model.Remove(key))
                    {
                        model.Insert(0, key);
                    }

                    break;
                case 3:
                    Assert.Equal(model.Remove(key), lru.Remove(key));
                    break;
                case 4:
                    var tenant = TenantOf(key);
                    var coldest = model.LastOrDefault(k => TenantOf(k) == tenant);
                    Assert.Equal(coldest, lru.RemoveLeastRecent(tenant));
                    if (coldest is not null)
                    {
                        model.Remove(coldest);
                    }

                    break;
                default:
                    Assert.Equal(model.LastOrDefault(), lru.RemoveLeastRecent());
                    if (model.Count > 0)
                    {
                        model.RemoveAt(model.Count - 1);
                    }

                    break;
            }

            // Assert
            Assert.Equal(model, lru.InOrder());
            foreach (var tenant in tenants)
            {
                Assert.Equal(model.Where(k => TenantOf(k) == tenant), lru.InOrder(tenant));
                Assert.Equal(model.Count(k => TenantOf(k) == tenant), lru.CountOf(tenant));
            }
        }
    }

    private static LruOrder Filled(params string[] keys)
    {
        var lru = new LruOrder();
        foreach (var key in keys)
        {
            lru.AddOrTouch(key);
        }

        return lru;
    }
}
