namespace PredictionCache.Silo.Storage;

/// <summary>A <see cref="GrainStateTable{TState}"/> bound to one grain type and state name; what providers look mappings up by.</summary>
internal sealed record StateTableRegistration(string GrainType, string StateName, Type StateType, object Table);
