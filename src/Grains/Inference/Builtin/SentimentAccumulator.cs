namespace PredictionCache.Grains.Inference.Builtin;

/// <summary>
/// The running state of one <see cref="SentimentAnalyzer.Analyze"/> call: open negation and
/// intensifier scopes, the valence sums before and after the last contrast word, and how many words
/// carried sentiment. A mutable struct local to the call, so the analyzer itself stays stateless.
/// </summary>
internal struct SentimentAccumulator
{
    /// <summary>How many words after a negator or intensifier its scope reaches.</summary>
    public const int ScopeWords = 3;

    /// <summary>A negated positive word keeps 75% of its size: "not great" is 3 × -0.75.</summary>
    public const double NegatedPositiveFactor = -0.75;

    /// <summary>A negated negative word keeps 50%: "not bad" (3 × 0.5) is weaker praise than "good".</summary>
    public const double NegatedNegativeFactor = -0.5;

    /// <summary>The lower bound of the intensity multiplier, so stacked diminishers never flip a sign.</summary>
    public const double MinIntensity = 0.1;

    /// <summary>The upper bound of the intensity multiplier.</summary>
    public const double MaxIntensity = 2.0;

    /// <summary>The weight of valence before the last contrast word ("good" in "good but slow").</summary>
    public const double BeforeContrastWeight = 0.5;

    /// <summary>The weight of valence after the last contrast word.</summary>
    public const double AfterContrastWeight = 1.5;

    private double _beforeContrast;
    private double _current;
    private bool _sawContrast;
    private int _negationLeft;
    private bool _negated;
    private int _negatorWords;
    private int _intensityLeft;
    private double _intensity;
    private int _intensifierWords;

    /// <summary>Words that carried sentiment: matched lexicon terms plus the modifiers that acted on them.</summary>
    public int CarrierWords { get; private set; }

    /// <summary>The weighted valence sum: 0.5 × before + 1.5 × after the last contrast word, if any.</summary>
    public readonly double Sum =>
        _sawContrast ? (BeforeContrastWeight * _beforeContrast) + (AfterContrastWeight * _current) : _current;

    /// <summary>Words that neither carry nor modify sentiment still use up open scopes.</summary>
    public void Skip(int words) => Advance(words);

    /// <summary>Clause punctuation closes negation and intensifier scopes.</summary>
    public void EndClause()
    {
        ResetNegation();
        ResetIntensity();
    }

    /// <summary>Opens or stacks a scope, or starts the clause after a contrast word.</summary>
    public void Apply(SentimentModifier modifier, int words)
    {
        Advance(words);
        switch (modifier.Kind)
        {
            case SentimentModifierKind.Negator:
                // A negator inside an open negation scope cancels it: "not without merit" is positive.
                _negated = _negationLeft <= 0 || !_negated;
                _negationLeft = ScopeWords;
                _negatorWords += words;
                break;
            case SentimentModifierKind.Intensifier:
                _intensity += modifier.Increment;
                _intensityLeft = ScopeWords;
                _intensifierWords += words;
                break;
            case SentimentModifierKind.Contrast:
                EndClause();
                _beforeContrast += _current;
                _current = 0;
                _sawContrast = true;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(modifier), modifier.Kind, "Unknown modifier kind.");
        }
    }

    /// <summary>Adds a lexicon term of <paramref name="words"/> words and valence <paramref name="score"/>.</summary>
    public void Add(int score, int words)
    {
        double value = score;
        if (_intensityLeft > 0)
        {
            // An intensifier is spent on the first sentiment word it reaches.
            value *= Math.Clamp(1 + _intensity, MinIntensity, MaxIntensity);
            CarrierWords += _intensifierWords;
            ResetIntensity();
        }

        if (_negationLeft > 0)
        {
            // A negation is not spent: it reaches every sentiment word in its scope.
            if (_negated)
            {
                value *= score > 0 ? NegatedPositiveFactor : NegatedNegativeFactor;
            }

            CarrierWords += _negatorWords;
            _negatorWords = 0;
        }

        _current += value;
        CarrierWords += words;
        Advance(words);
    }

    private void Advance(int words)
    {
        if (_negationLeft > 0 && (_negationLeft -= words) <= 0)
        {
            ResetNegation();
        }

        if (_intensityLeft > 0 && (_intensityLeft -= words) <= 0)
        {
            ResetIntensity();
        }
    }

    private void ResetNegation()
    {
        _negationLeft = 0;
        _negated = false;
        _negatorWords = 0;
    }

    private void ResetIntensity()
    {
        _intensityLeft = 0;
        _intensity = 0;
        _intensifierWords = 0;
    }
}
