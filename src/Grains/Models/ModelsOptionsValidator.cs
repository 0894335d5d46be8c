using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace PredictionCache.Grains.Models;

/// <summary>
/// Validates the <c>Models</c> list at start-up; every message names its key with the model's index, e.g.
/// <c>Models:1:BaseUrl is missing</c>.
/// </summary>
internal sealed class ModelsOptionsValidator : IValidateOptions<ModelsOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var defaults = 0;
        for (var i = 0; i < options.Models.Count; i++)
        {
            var model = options.Models[i];
            var prefix = $"{ModelsOptions.SectionName}:{i.ToString(CultureInfo.InvariantCulture)}";
            ValidateAnnotations(model, prefix, failures);
            if (string.IsNullOrWhiteSpace(model.Name))
            {
                failures.Add($"{prefix}:Name is missing: every model needs a name.");
            }
            else if (!names.Add(model.Name))
            {
                failures.Add($"{prefix}:Name is '{model.Name}': another model has that name already.");
            }

            if (string.IsNullOrWhiteSpace(model.Version))
            {
                failures.Add($"{prefix}:Version is missing: every model needs a version (it is part of the cache key).");
            }

            defaults += model.Default ? 1 : 0;
            if (!IsOneOf(model.Normalization, ModelOptions.DefaultNormalization, ModelOptions.ExactNormalization))
            {
                failures.Add($"{prefix}:Normalization is '{model.Normalization}': it must be 'default' or 'exact'.");
            }

            if (model.IsHttp)
            {
                ValidateHttp(model, prefix, failures);
            }
            else if (!IsOneOf(model.Backend, ModelOptions.BuiltinBackend))
            {
                failures.Add($"{prefix}:Backend is '{model.Backend}': it must be 'builtin' or 'http'.");
            }
        }

        if (defaults > 1)
        {
            failures.Add($"{ModelsOptions.SectionName}: {defaults} models say Default=true; at most one may.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateHttp(ModelOptions model, string prefix, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(model.BaseUrl))
        {
            failures.Add($"{prefix}:BaseUrl is missing: an http model needs its model server's URL.");
        }
        else if (!Uri.TryCreate(model.BaseUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"{prefix}:BaseUrl is '{ModelUrls.Redact(model.BaseUrl)}': it must be an absolute http:// or https:// URL.");
        }

        if (!IsOneOf(model.Protocol, ModelOptions.KServeV1, ModelOptions.OpenInferenceV2))
        {
            failures.Add($"{prefix}:Protocol is '{model.Protocol}': it must be 'kserve-v1' or 'open-inference-v2'.");
        }

        if (string.IsNullOrWhiteSpace(model.InputName))
        {
            failures.Add($"{prefix}:InputName is missing: the Open Inference input tensor needs a name.");
        }
    }

    private static void ValidateAnnotations(ModelOptions model, string prefix, List<string> failures)
    {
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(model, new ValidationContext(model), results, validateAllProperties: true))
        {
            return;
        }

        foreach (var result in results)
        {
            var member = result.MemberNames.FirstOrDefault() ?? "";
            var value = typeof(ModelOptions).GetProperty(member)?.GetValue(model);
            failures.Add($"{prefix}:{member} is '{Convert.ToString(value, CultureInfo.InvariantCulture)}': {result.ErrorMessage}");
        }
    }

    private static bool IsOneOf(string? value, params string[] allowed) =>
        allowed.Any(a => string.Equals(a, value, StringComparison.OrdinalIgnoreCase));
}

/// <summary>URLs as they may be shown or logged.</summary>
public static class ModelUrls
{
    /// <summary><paramref name="url"/> without its user information (which may hold a password) and query (which may hold a key).</summary>
    public static string Redact(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed))
        {
            return url;
        }

        return parsed.UserInfo.Length == 0 && parsed.Query.Length == 0
            ? url
            : new UriBuilder(parsed) { UserName = "", Password = "", Query = "" }.Uri.ToString();
    }
}
