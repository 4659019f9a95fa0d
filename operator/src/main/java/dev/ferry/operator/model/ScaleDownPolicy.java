package dev.ferry.operator.model;

/** How a scale-down chooses the pods it removes. */
public enum ScaleDownPolicy {
    /** The pods with the fewest sessions go first: the fewest migrations. */
    FewestSessions,
    /** The most recently created pods go first. */
    Newest
}
