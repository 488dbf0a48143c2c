package dev.kvlab.cache.check;

/**
 * A strategy broke a rule of the seam: {@link #rule()} names it (as the conformance report prints it), the message
 * says what was seen.
 */
public final class RuleViolation extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String rule;

    public RuleViolation(String rule, String seen) {
        super(rule + ": " + seen);
        this.rule = rule;
    }

    /** The rule, e.g. "NoRoom leaves the cache unchanged". */
    public String rule() {
        return rule;
    }
}
