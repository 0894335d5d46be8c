using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using PredictionCache.Grains.Keys;
using PredictionCache.Grains.Models;

namespace PredictionCache.Grains.Tests.Keys;

public sealed class KeyBuilderTests
{
    private static readonly ModelDescriptor Model = new("sentiment", "afinn-165-1");

    [Fact]
    public void Build_AnyInput_Is64LowerCaseHexDigits()
    {
        // Act
        var key = KeyBuilder.Build(Model, "hello world");

        // Assert
        Assert.Equal(64, key.Length);
        Assert.Equal(KeyBuilder.KeyLength, key.Length);
        Assert.All(key, c => Assert.Contains(c, "0123456789abcdef"));
    }

    [Theory]
    [InlineData("sentiment", "afinn-165-1", "hello world")]
    [InlineData("m", "", "")]
    [InlineData("mod\u00E8le", "v\u00B2", "caf\u00E9 \U0001F600 \u4E2D\u6587")]
    public void Build_AnyInput_IsSha256OfLengthPrefixedUtf8Fields(string name, string version, string text)
    {
        // Arrange: big-endian int32 byte length, then the UTF-8 bytes, for name, version and text in turn.
        var layout = new List<byte>();
        foreach (var field in new[] { name, version, text })
        {
            var bytes = Encoding.UTF8.GetBytes(field);
            var length = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            layout.AddRange(length);
            layout.AddRange(bytes);
        }

        var expected = Convert.ToHexStringLower(SHA256.HashData(layout.ToArray()));

        // Act
        var key = KeyBuilder.Build(new ModelDescriptor(name, version), text);

        // Assert
        Assert.Equal(expected, key);
    }

    [Fact]
    public void Build_SameInput_SameKey()
    {
        // Act
        var first = KeyBuilder.Build(Model, "hello");
        var second = KeyBuilder.Build(new ModelDescriptor("sentiment", "afinn-165-1"), new string("hello".ToCharArray()));

        // Assert
        Assert.Equal(first, second);
    }

    [Fact]
    public void Build_ModelName_ChangesKey()
    {
        // Act
        var key = KeyBuilder.Build(Model, "hello");
        var other = KeyBuilder.Build(Model with { Name = "sentiment2" }, "hello");

        // Assert
        Assert.NotEqual(key, other);
    }

    [Fact]
    public void Build_ModelVersion_ChangesKey()
    {
        // Act
        var key = KeyBuilder.Build(Model, "hello");
        var other = KeyBuilder.Build(Model with { Version = "afinn-165-2" }, "hello");

        // Assert
        Assert.NotEqual(key, other);
    }

    [Fact]
    public void Build_Text_ChangesKey()
    {
        // Act
        var key = KeyBuilder.Build(Model, "hello");
        var other = KeyBuilder.Build(Model, "hello ");

        // Assert
        Assert.NotEqual(key, other);
    }

    [Theory]
    [InlineData("ab", "c", "a", "bc")]
    [InlineData("a", "", "", "a")]
    [InlineData("", "ab", "a", "b")]
    public void Build_FieldBoundaryMoved_KeysDiffer(string name1, string version1, string name2, string version2)
    {
        // Act: the same characters split differently between name and version, then between version and text.
        var nameVersion1 = KeyBuilder.Build(new ModelDescriptor(name1, version1), "text");
        var nameVersion2 = KeyBuilder.Build(new ModelDescriptor(name2, version2), "text");
        var versionText1 = KeyBuilder.Build(new ModelDescriptor("m", name1), version1);
        var versionText2 = KeyBuilder.Build(new ModelDescriptor("m", name2), version2);

        // Assert
        Assert.NotEqual(nameVersion1, nameVersion2);
        Assert.NotEqual(versionText1, versionText2);
    }

    [Fact]
    public void Build_NullArguments_Throw()
    {
        // Act + Assert
        Assert.Throws<ArgumentNullException>(() => KeyBuilder.Build(null!, "text"));
        Assert.Throws<ArgumentNullException>(() => KeyBuilder.Build(Model, null!));
    }

    [Fact]
    public void IsWellFormed_BuiltKey_IsTrue()
    {
        // Arrange
        var key = KeyBuilder.Build(Model, "hello");

        // Act + Assert
        Assert.True(KeyBuilder.IsWellFormed(key));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0")]
    [InlineData("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("0123456789abcdeg0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde ")]
    [InlineData("../../etc/passwd")]
    public void IsWellFormed_NotAKey_IsFalse(string? key)
    {
        // Act + Assert
        Assert.False(KeyBuilder.IsWellFormed(key));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(16)]
    public void ShardOf_Key_IsItsFirst32BitsModuloShards(int shards)
    {
        // Arrange
        var key = KeyBuilder.Build(Model, "hello");
        var prefix = Convert.ToUInt32(key[..8], 16);

        // Act
        var shard = KeyBuilder.ShardOf(key, shards);

        // Assert
        Assert.Equal((int)(prefix % (uint)shards), shard);
    }
}
