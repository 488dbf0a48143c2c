package dev.kvlab.cache.check;

/**
 * One conformance check's outcome: passed when {@code failure} is null, else the first case it failed in and the
 * rule broken there.
 *
 * @param check       what the check runs, for the report
 * @param failingCase the first failing case (options, seed, length, prompt, ...), null when passed
 * @param failure     the rule broken there, null when passed
 */
public record CheckOutcome(String check, String failingCase, RuleViolation failure) {
    public boolean passed() {
        return failure == null;
    }

    /** Runs {@code body}, a check made of {@link #inCase} calls, and reports its first failure. */
    public static CheckOutcome of(String check, Runnable body) {
        try {
            body.run();
            return new CheckOutcome(check, null, null);
        } catch (CaseFailure f) {
            return new CheckOutcome(check, f.where, f.violation);
        }
    }

    /**
     * Runs one case of a check: a {@link RuleViolation} (or any other exception, reported as the rule "no operation
     * throws") ends the check, naming {@code where}.
     */
    public static void inCase(String where, Runnable body) {
        try {
            body.run();
        } catch (RuleViolation v) {
            throw new CaseFailure(where, v);
        } catch (RuntimeException e) {
            throw new CaseFailure(where, new RuleViolation("no operation throws", e.toString()));
        }
    }

    /** Carries the first failing case out of a check. */
    private static final class CaseFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String where;
        final transient RuleViolation violation;

        CaseFailure(String where, RuleViolation violation) {
            super(where, violation, false, false);
            this.where = where;
            this.violation = violation;
        }
    }
}
