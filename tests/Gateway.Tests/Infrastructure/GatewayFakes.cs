using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests.Infrastructure;

/// <summary>The fake model as the gateway's tests use it: named like the built-in model and answering a fixed sentiment.</summary>
public static class GatewayFakes
{
    /// <summary>What the fake model answers to every text.</summary>
    public const string ResultJson = """{"sentiment":"positive","confidence":0.75,"score":0.5}""";

    /// <summary>A fake model named <paramref name="name"/>; held until <see cref="FakeInferenceBackend.Release"/> unless <paramref name="open"/>.</summary>
    public static FakeInferenceBackend Model(bool open = false, string name = "sentiment", string version = "fake-1") =>
        new(gated: !open, name: name, version: version, answer: static _ => ResultJson);
}
