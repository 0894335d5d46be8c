using System.Text;
using PredictionCache.Grains.Inference.Http;

namespace PredictionCache.Grains.Tests.Inference.Http;

public sealed class KServeV1ProtocolTests
{
    [Fact]
    public void InferUri_IsThePredictVerbPath()
    {
        var uri = new KServeV1Protocol("toxicity").InferUri(new Uri("http://kserve.local/"));

        Assert.Equal("http://kserve.local/v1/models/toxicity:predict", uri.AbsoluteUri);
    }

    [Fact]
    public void WriteRequest_IsTheInstancesArray()
    {
        var body = Encoding.UTF8.GetString(new KServeV1Protocol("m").WriteRequest(["one", "two"]));

        Assert.Equal("""{"instances":["one","two"]}""", body);
    }

    [Fact]
    public void ReadAnswer_GivesEachInstanceItsPrediction()
    {
        var results = new KServeV1Protocol("m").ReadAnswer("""{"predictions":[{"label":"a"},7]}"""u8, 2);

        Assert.Equal(["""{"label":"a"}""", "7"], results.Select(r => r.ToString()));
    }

    [Theory]
    [InlineData("""{"predictions":[1]}""", "The answer has 1 predictions for 2 instances.")]
    [InlineData("""{"predictions":{}}""", "The answer has no \"predictions\" array.")]
    [InlineData("""{"outputs":[1,2]}""", "The answer has no \"predictions\" array.")]
    public void ReadAnswer_Malformed_Throws(string answer, string message)
    {
        var error = Assert.Throws<MalformedAnswerException>(() => new KServeV1Protocol("m").ReadAnswer(Encoding.UTF8.GetBytes(answer), 2));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void ReadAnswer_NotJson_Throws()
    {
        var error = Assert.Throws<MalformedAnswerException>(() => new KServeV1Protocol("m").ReadAnswer("<html>"u8, 1));

        Assert.StartsWith("The answer is not valid JSON", error.Message, StringComparison.Ordinal);
    }
}
