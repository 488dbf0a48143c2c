package dev.kvlab.cache;

/**
 * Options of the eviction policies ({@code h2o}, {@code tova}, {@code snapkv}, {@code knorm}, {@code mix}); the other
 * strategies ignore them.
 *
 * @param budget            tokens a sequence may hold per layer between steps ({@code --budget}); a step may hold
 *                          up to budget + its chunk until the policy evicts after it. {@link #UNBOUNDED}: never binds
 * @param granularity       what one eviction removes: one token (its slot is reused by a later token of the same
 *                          sequence and layer) or one whole block (returned to the pool)
 * @param recentWindow      h2o: most recent tokens always kept; {@link #HALF_BUDGET} = budget / 2 (the paper's split)
 * @param observationWindow snapkv: the last prompt tokens whose queries vote, and which are always kept
 * @param poolingKernel     snapkv: width of the average pooling over positions (odd)
 */
public record EvictionOptions(int budget, Granularity granularity, int recentWindow, int observationWindow,
                              int poolingKernel) {

    /** A budget that never binds. */
    public static final int UNBOUNDED = Integer.MAX_VALUE;
    /** h2o's recent window: half the budget. */
    public static final int HALF_BUDGET = -1;

    /** What one eviction removes. */
    public enum Granularity {
        /** one token; its slot becomes a hole that the sequence's next token in that layer fills */
        TOKEN,
        /** one whole block, all of whose tokens are evictable; the block goes back to the pool */
        BLOCK
    }

    /** Budget unbounded, token granularity, h2o half-and-half, snapkv window 64 and kernel 5 (SnapKV's defaults). */
    public static final EvictionOptions DEFAULTS = new EvictionOptions(UNBOUNDED, Granularity.TOKEN, HALF_BUDGET, 64, 5);

    public EvictionOptions {
        if (budget <= 0) {
            throw new IllegalArgumentException("budget must be positive, got " + budget);
        }
        if (granularity == null) {
            throw new IllegalArgumentException("granularity must be given");
        }
        if (recentWindow < 0 && recentWindow != HALF_BUDGET) {
            throw new IllegalArgumentException("recent window must be >= 0, got " + recentWindow);
        }
        if (observationWindow <= 0) {
            throw new IllegalArgumentException("observation window must be positive, got " + observationWindow);
        }
        if (poolingKernel <= 0 || poolingKernel % 2 == 0) {
            throw new IllegalArgumentException("pooling kernel must be odd and positive, got " + poolingKernel);
        }
    }

    /** h2o's recent window in tokens, at most the budget. */
    public int recentTokens() {
        return recentWindow == HALF_BUDGET ? (budget == UNBOUNDED ? 0 : budget / 2) : Math.min(recentWindow, budget);
    }

    public EvictionOptions withBudget(int v) {
        return new EvictionOptions(v, granularity, recentWindow, observationWindow, poolingKernel);
    }

    public EvictionOptions withGranularity(Granularity v) {
        return new EvictionOptions(budget, v, recentWindow, observationWindow, poolingKernel);
    }

    public EvictionOptions withRecentWindow(int v) {
        return new EvictionOptions(budget, granularity, v, observationWindow, poolingKernel);
    }

    public EvictionOptions withObservation(int window, int kernel) {
        return new EvictionOptions(budget, granularity, recentWindow, window, kernel);
    }
}
