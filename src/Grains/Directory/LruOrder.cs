namespace PredictionCache.Grains.Directory;

/// <summary>
/// Keys in least-recently-used order, overall and within each tenant: a dictionary onto nodes that sit in two intrusive
/// doubly linked lists (all keys, and the key's tenant's), so touch, add, remove and evict, overall or within a tenant,
/// are all O(1). Not thread-safe: a directory shard's turns own it.
/// </summary>
internal sealed class LruOrder
{
    private readonly Dictionary<string, Node> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Chain> _tenants = new(StringComparer.Ordinal);
    private Chain _all;

    public int Count => _nodes.Count;

    public IEnumerable<string> Keys => _nodes.Keys;

    /// <summary>The tenants holding keys now (the empty name for keys of no tenant).</summary>
    public IEnumerable<string> Tenants => _tenants.Keys;

    /// <summary>Keys of <paramref name="tenant"/>.</summary>
    public int CountOf(string tenant) => _tenants.TryGetValue(tenant, out var chain) ? chain.Count : 0;

    /// <summary>Adds <paramref name="key"/> of <paramref name="tenant"/> as the most recent, or makes it so; true when it was added.</summary>
    public bool AddOrTouch(string key, string tenant = "")
    {
        if (_nodes.TryGetValue(key, out var node))
        {
            MoveToFront(node);
            return false;
        }

        node = new Node(key, tenant);
        _nodes.Add(key, node);
        _all.LinkFront(node, overall: true);
        ref var chain = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_tenants, tenant, out _);
        chain.LinkFront(node, overall: false);
        return true;
    }

    /// <summary>Makes <paramref name="key"/> the most recent if present.</summary>
    public void Touch(string key)
    {
        if (_nodes.TryGetValue(key, out var node))
        {
            MoveToFront(node);
        }
    }

    public bool Remove(string key)
    {
        if (!_nodes.Remove(key, out var node))
        {
            return false;
        }

        Unlink(node);
        return true;
    }

    /// <summary>Removes and returns the least recently used key, or null when empty.</summary>
    public string? RemoveLeastRecent() => Take(_all.Least);

    /// <summary>Removes and returns the least recently used key of <paramref name="tenant"/>, or null when it has none.</summary>
    public string? RemoveLeastRecent(string tenant) => _tenants.TryGetValue(tenant, out var chain) ? Take(chain.Least) : null;

    public void Clear()
    {
        _nodes.Clear();
        _tenants.Clear();
        _all = default;
    }

    /// <summary>Removes every key of <paramref name="tenant"/> and returns them.</summary>
    public IReadOnlyList<string> Clear(string tenant)
    {
        var keys = new List<string>(CountOf(tenant));
        while (RemoveLeastRecent(tenant) is { } key)
        {
            keys.Add(key);
        }

        return keys;
    }

    /// <summary>Keys from most to least recent (for tests and diagnostics; O(n)).</summary>
    public IEnumerable<string> InOrder()
    {
        for (var node = _all.Most; node is not null; node = node.Next)
        {
            yield return node.Key;
        }
    }

    /// <summary>Keys of <paramref name="tenant"/> from most to least recent (for tests and diagnostics; O(n)).</summary>
    public IEnumerable<string> InOrder(string tenant)
    {
        var first = _tenants.TryGetValue(tenant, out var chain) ? chain.Most : null;
        for (var node = first; node is not null; node = node.TenantNext)
        {
            yield return node.Key;
        }
    }

    private string? Take(Node? node)
    {
        if (node is null)
        {
            return null;
        }

        _nodes.Remove(node.Key);
        Unlink(node);
        return node.Key;
    }

    private void MoveToFront(Node node)
    {
        if (!ReferenceEquals(node, _all.Most))
        {
            _all.Unlink(node, overall: true);
            _all.LinkFront(node, overall: true);
        }

        ref var chain = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_tenants, node.Tenant);
        if (!ReferenceEquals(node, chain.Most))
        {
            chain.Unlink(node, overall: false);
            chain.LinkFront(node, overall: false);
        }
    }

    private void Unlink(Node node)
    {
        _all.Unlink(node, overall: true);
        ref var chain = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_tenants, node.Tenant);
        chain.Unlink(node, overall: false);
        if (chain.Count == 0)
        {
            _tenants.Remove(node.Tenant);
        }
    }

    /// <summary>One list's ends and length: all keys (through <see cref="Node.Next"/>) or one tenant's (<see cref="Node.TenantNext"/>).</summary>
    private struct Chain
    {
        public Node? Most;
        public Node? Least;
        public int Count;

        public void LinkFront(Node node, bool overall)
        {
            if (overall)
            {
                node.Previous = null;
                node.Next = Most;
                if (Most is not null)
                {
                    Most.Previous = node;
                }
            }
            else
            {
                node.TenantPrevious = null;
                node.TenantNext = Most;
                if (Most is not null)
                {
                    Most.TenantPrevious = node;
                }
            }

            Most = node;
            Least ??= node;
            Count++;
        }

        public void Unlink(Node node, bool overall)
        {
            var previous = overall ? node.Previous : node.TenantPrevious;
            var next = overall ? node.Next : node.TenantNext;
            if (previous is not null)
            {
                if (overall)
                {
                    previous.Next = next;
                }
                else
                {
                    previous.TenantNext = next;
                }
            }
            else
            {
                Most = next;
            }

            if (next is not null)
            {
                if (overall)
                {
                    next.Previous = previous;
                }
                else
                {
                    next.TenantPrevious = previous;
                }
            }
            else
            {
                Least = previous;
            }

            if (overall)
            {
                node.Previous = null;
                node.Next = null;
            }
            else
            {
                node.TenantPrevious = null;
                node.TenantNext = null;
            }

            Count--;
        }
    }

    private sealed class Node(string key, string tenant)
    {
        public string Key { get; } = key;

        public string Tenant { get; } = tenant;

        public Node? Previous { get; set; }

        public Node? Next { get; set; }

        public Node? TenantPrevious { get; set; }

        public Node? TenantNext { get; set; }
    }
}
