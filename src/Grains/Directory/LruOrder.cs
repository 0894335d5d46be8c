namespace PredictionCache.Grains.Directory;

/// <summary>
/// Keys in least-recently-used order: a dictionary onto the nodes of an intrusive doubly linked list, so touch,
/// add, remove and evict are all O(1). Not thread-safe: a directory shard's turns own it.
/// </summary>
internal sealed class LruOrder
{
    private readonly Dictionary<string, Node> _nodes = new(StringComparer.Ordinal);
    private Node? _mostRecent;
    private Node? _leastRecent;

    public int Count => _nodes.Count;

    public IEnumerable<string> Keys => _nodes.Keys;

    /// <summary>Adds <paramref name="key"/> as the most recent, or makes it so; true when it was added.</summary>
    public bool AddOrTouch(string key)
    {
        if (_nodes.TryGetValue(key, out var node))
        {
            MoveToFront(node);
            return false;
        }

        node = new Node(key);
        _nodes.Add(key, node);
        LinkFront(node);
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
    public string? RemoveLeastRecent()
    {
        if (_leastRecent is not { } node)
        {
            return null;
        }

        _nodes.Remove(node.Key);
        Unlink(node);
        return node.Key;
    }

    public void Clear()
    {
        _nodes.Clear();
        _mostRecent = null;
        _leastRecent = null;
    }

    /// <summary>Keys from most to least recent (for tests and diagnostics; O(n)).</summary>
    public IEnumerable<string> InOrder()
    {
        for (var node = _mostRecent; node is not null; node = node.Next)
        {
            yield return node.Key;
        }
    }

    private void MoveToFront(Node node)
    {
        if (ReferenceEquals(node, _mostRecent))
        {
            return;
        }

        Unlink(node);
        LinkFront(node);
    }

    private void LinkFront(Node node)
    {
        node.Previous = null;
        node.Next = _mostRecent;
        if (_mostRecent is not null)
        {
            _mostRecent.Previous = node;
        }

        _mostRecent = node;
        _leastRecent ??= node;
    }

    private void Unlink(Node node)
    {
        if (node.Previous is not null)
        {
            node.Previous.Next = node.Next;
        }
        else
        {
            _mostRecent = node.Next;
        }

        if (node.Next is not null)
        {
            node.Next.Previous = node.Previous;
        }
        else
        {
            _leastRecent = node.Previous;
        }

        node.Previous = null;
        node.Next = null;
    }

    private sealed class Node(string key)
    {
        public string Key { get; } = key;

        public Node? Previous { get; set; }

        public Node? Next { get; set; }
    }
}
