using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PredictionCache.Grains;

/// <summary>Options bound from configuration and validated at start-up, with messages that name the key.</summary>
public static class OptionsServiceCollectionExtensions
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to the configuration section <paramref name="section"/> and validates
    /// its data annotations (and <see cref="IValidatableObject"/>) when the host starts. Each failure names the
    /// configuration key, the value and the rule, e.g. <c>Cache:MaxEntries is '0': The field MaxEntries must be
    /// between 1 and 100000000.</c>, so an operator knows what to change.
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, string section)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(section);
        var builder = services.AddOptions<TOptions>().BindConfiguration(section);
        services.AddSingleton<IValidateOptions<TOptions>>(new ConfigurationKeyValidator<TOptions>(builder.Name, section));
        return builder.ValidateOnStart();
    }

    /// <summary>Data-annotation validation worded with configuration keys (the built-in one names only the property).</summary>
    private sealed class ConfigurationKeyValidator<TOptions>(string? name, string section) : IValidateOptions<TOptions>
        where TOptions : class
    {
        public ValidateOptionsResult Validate(string? optionsName, TOptions options)
        {
            if (name is not null && name != optionsName)
            {
                return ValidateOptionsResult.Skip;
            }

            ArgumentNullException.ThrowIfNull(options);
            var results = new List<ValidationResult>();
            return Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true)
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(results.Select(result => Describe(options, result)));
        }

        private string Describe(TOptions options, ValidationResult result)
        {
            var message = result.ErrorMessage ?? "The value is not valid.";
            if (result.MemberNames.FirstOrDefault() is not { } member)
            {
                return $"{section}: {message}";
            }

            var key = $"{section}:{member}";
            if (message.Contains(key, StringComparison.Ordinal))
            {
                // An IValidatableObject message that already names its keys and values.
                return message;
            }

            var value = typeof(TOptions).GetProperty(member)?.GetValue(options);
            return $"{key} is '{Convert.ToString(value, CultureInfo.InvariantCulture)}': {message}";
        }
    }
}
