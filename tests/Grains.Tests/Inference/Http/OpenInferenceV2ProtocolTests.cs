using System.Text;
using PredictionCache.Grains.Inference.Http;

namespace PredictionCache.Grains.Tests.Inference.Http;

public sealed class OpenInferenceV2ProtocolTests
{
    [Fact]
    public void InferUri_WithVersion_IsTheVersionedInferPath()
    {
        var protocol = new OpenInferenceV2Protocol("my model", "3", "text", null);

        var uri = protocol.InferUri(new Uri("http://triton:8000/prefix/"));

        Assert.Equal("http://triton:8000/prefix/v2/models/my%20model/versions/3/infer", uri.AbsoluteUri);
    }

    [Fact]
    public void WriteRequest_IsOneBytesInputOfShapeNByOne()
    {
        var protocol = new OpenInferenceV2Protocol("m", null, "TEXT", null);

        var body = Encoding.UTF8.GetString(protocol.WriteRequest(["a", "b \"c\""]));

        Assert.Equal("""{"inputs":[{"name":"TEXT","shape":[2,1],"datatype":"BYTES","data":["a","b \u0022c\u0022"]}]}""", body);
    }

    [Fact]
    public void ReadAnswer_ChosenOutputWithWideRows_GivesEachInputItsRow()
    {
        var protocol = new OpenInferenceV2Protocol("m", null, "text", "probs");
        var answer = """{"outputs":[{"name":"label","datatype":"BYTES","shape":[2,1],"data":["pos","neg"]},{"name":"probs","datatype":"FP32","shape":[2,2],"data":[0.9,0.1,0.2,0.8]}]}"""u8;

        var results = protocol.ReadAnswer(answer, 2);

        Assert.Equal(["[0.9,0.1]", "[0.2,0.8]"], results.Select(r => r.ToString()));
    }

    [Fact]
    public void ReadAnswer_NoOutputChosenAndSeveralGiven_GivesAnObjectOfAll()
    {
        var protocol = new OpenInferenceV2Protocol("m", null, "text", null);
        var answer = """{"outputs":[{"name":"label","data":["pos","neg"]},{"name":"score","data":[0.9,0.2]}]}"""u8;

        var results = protocol.ReadAnswer(answer, 2);

        Assert.Equal(["""{"label":"pos","score":0.9}""", """{"label":"neg","score":0.2}"""], results.Select(r => r.ToString()));
    }

    [Theory]
    [InlineData("""{"outputs":[{"name":"label","data":["pos"]}]}""", "The output \"label\" has 1 values for 2 inputs.")]
    [InlineData("""{"outputs":[{"data":["a","b"]}]}""", "An output has no \"name\".")]
    [InlineData("""{"outputs":[{"name":"other","data":["a","b"]}]}""", "The answer has no output \"label\".")]
    [InlineData("""{"outputs":[]}""", "The answer has no \"outputs\".")]
    [InlineData("""[1,2]""", "The answer has no \"outputs\".")]
    public void ReadAnswer_Malformed_Throws(string answer, string message)
    {
        var protocol = new OpenInferenceV2Protocol("m", null, "text", "label");

        var error = Assert.Throws<MalformedAnswerException>(() => protocol.ReadAnswer(Encoding.UTF8.GetBytes(answer), 2));

        Assert.Equal(message, error.Message);
    }
}
