namespace PredictionCache.Grains.Inference.Http;

/// <summary>One wire protocol of a model server: where a batch goes, its request body, and how to read its answer.</summary>
internal interface IModelProtocol
{
    /// <summary>The inference URL under <paramref name="baseUrl"/>.</summary>
    Uri InferUri(Uri baseUrl);

    /// <summary>The JSON body asking for one prediction per text.</summary>
    byte[] WriteRequest(IReadOnlyList<string> texts);

    /// <summary>One prediction per text, in order.</summary>
    /// <exception cref="MalformedAnswerException">The answer is not JSON, lacks a field, or has the wrong count.</exception>
    PredictionResult[] ReadAnswer(ReadOnlySpan<byte> body, int count);
}

/// <summary>A model server's answer that does not follow its protocol.</summary>
internal sealed class MalformedAnswerException(string message, Exception? innerException = null) : Exception(message, innerException);
