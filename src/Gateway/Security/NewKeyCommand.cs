using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace PredictionCache.Gateway.Security;

/// <summary>
/// <c>new-key</c> (or <c>keys new</c>) on the command line: prints a new random API key and its <c>Sha256</c> for
/// <c>Auth:Keys</c>, and the process exits without starting the server.
/// </summary>
internal static class NewKeyCommand
{
    /// <summary>Bytes of randomness in a key: 256 bits.</summary>
    public const int RandomBytes = 32;

    /// <summary>Runs the command when <paramref name="args"/> ask for it; false (nothing done) otherwise.</summary>
    public static bool TryRun(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var asked = args is ["new-key", ..] || args is ["keys", "new", ..];
        if (!asked)
        {
            return false;
        }

        var key = Create();
        output.WriteLine($"key:    {key}");
        output.WriteLine($"sha256: {Sha256Of(key)}");
        output.WriteLine();
        output.WriteLine("Give the key to its client (Authorization: Bearer <key>, or X-Api-Key: <key>); configure only its hash, e.g.:");
        output.WriteLine("  Auth__Keys__0__Name=my-client");
        output.WriteLine("  Auth__Keys__0__Roles__0=predict");
        output.WriteLine($"  Auth__Keys__0__Sha256={Sha256Of(key)}");
        output.WriteLine("The key is shown only now; the gateway never stores or logs it.");
        return true;
    }

    /// <summary>A new key: <see cref="ApiKeyDefaults.KeyPrefix"/> and 32 random bytes in base64url (47 characters).</summary>
    public static string Create() => ApiKeyDefaults.KeyPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(RandomBytes));

    /// <summary>The lower-case hex SHA-256 of <paramref name="key"/>'s UTF-8 bytes, as <c>Auth:Keys:N:Sha256</c> takes it.</summary>
    public static string Sha256Of(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
