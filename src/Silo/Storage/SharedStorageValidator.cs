using Microsoft.Extensions.Options;
using PredictionCache.Grains.Storage;

namespace PredictionCache.Silo.Storage;

/// <summary>A gateway that is only an Orleans client reads the jobs the silos write: their storage must be shared.</summary>
internal sealed class SharedStorageValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.IsDurable
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Storage:Provider is '{options.Provider}', but a gateway with Gateway:Topology=Client reads jobs from the storage the silos " +
                "share: set Storage:Provider to postgres (or sqlite on one machine), as on the silos.");
    }
}
