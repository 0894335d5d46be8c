using System.ComponentModel.DataAnnotations;

namespace PredictionCache.Gateway.Security;

/// <summary>Browsers' cross-origin calls to the gateway (section <c>Gateway:Cors</c>): none unless origins are listed.</summary>
public sealed class GatewayCorsOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Gateway:Cors";

    /// <summary>
    /// <value>
    /// The origins (<c>scheme://host[:port]</c>, http or https, no path) whose pages may call the gateway from a browser:
    /// <c>Gateway:Cors:AllowedOrigins:0</c>, <c>:1</c>, .... <c>*</c> is refused. Default empty: no CORS at all, so a
    /// preflight gets no <c>Access-Control-*</c> header and browsers keep other origins out.
    /// </value>
    /// </summary>
    public List<string> AllowedOrigins { get; } = [];

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < AllowedOrigins.Count; i++)
        {
            var origin = AllowedOrigins[i];
            var key = $"{SectionName}:{nameof(AllowedOrigins)}:{i}";
            if (origin.Trim() == "*")
            {
                yield return new ValidationResult(
                    $"{key} is '{origin}': any origin is refused; list each origin allowed, such as https://app.example.com.",
                    [nameof(AllowedOrigins)]);
            }
            else if (!IsOrigin(origin))
            {
                yield return new ValidationResult(
                    $"{key} is '{origin}': it must be an origin, an absolute http or https URL with no path, query or fragment, such as https://app.example.com or http://localhost:3000.",
                    [nameof(AllowedOrigins)]);
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="value"/> is an origin exactly as a browser sends it in <c>Origin</c>: scheme, host and
    /// port only (a trailing slash or a default port written out would never match).
    /// </summary>
    private static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.UserInfo.Length == 0
        && string.Equals(uri.GetLeftPart(UriPartial.Authority), value, StringComparison.OrdinalIgnoreCase);
}
