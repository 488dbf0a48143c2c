package dev.kvlab.cache;

/**
 * A field of {@link CacheOptions} that a strategy may read. A strategy's {@link StrategyDescription} lists the ones
 * it reads; from that list alone the benchmark decides which sweep axes vary the strategy, which result columns it
 * fills and what its run label shows, and the CLI says which flags matter for it.
 */
public enum CacheOption {
    /** Tokens per block ({@code --block-size}); swept by {@code --block-sizes}; label {@code bs=16}. */
    BLOCK_SIZE("block-size", "bs"),
    /** Share identical full blocks by hash ({@code --prefix-sharing}). */
    PREFIX_SHARING("prefix-sharing", null),
    /** Tokens held per sequence, sinks included ({@code --window}); swept by {@code --windows}; label {@code w=256}. */
    WINDOW("window", "w"),
    /** Positions always kept ({@code --sinks}). */
    SINKS("sinks", null),
    /** What a slab reserves when a sequence opens ({@code --reserve}). */
    RESERVE("reserve", null),
    /** Eviction policies: tokens held per sequence and layer ({@code --budget}); label {@code budget=256}. */
    BUDGET("budget", "budget"),
    /** Eviction policies: token or block eviction ({@code --granularity}). */
    GRANULARITY("granularity", null);

    private final String flag;
    private final String labelKey;

    CacheOption(String flag, String labelKey) {
        this.flag = flag;
        this.labelKey = labelKey;
    }

    /** The command-line flag that sets it, without dashes ({@code block-size}). */
    public String flag() {
        return flag;
    }

    /** The short key a run label shows it under ({@code bs}), or null when labels leave it out. */
    public String labelKey() {
        return labelKey;
    }

    /**
     * Whether this option is a token budget: it bounds the tokens a sequence holds ({@link #WINDOW} for the ring,
     * {@link #BUDGET} for the eviction policies). A strategy reading none holds every token it is given.
     */
    public boolean isTokenBudget() {
        return this == WINDOW || this == BUDGET;
    }

    /**
     * {@code o} with this token budget set to {@code tokens} (the window keeps {@code o}'s sinks).
     *
     * @throws IllegalArgumentException if this option is not a token budget, or the value is out of range
     */
    public CacheOptions withTokens(CacheOptions o, int tokens) {
        return switch (this) {
            case WINDOW -> o.withWindow(tokens, o.sinks());
            case BUDGET -> o.withEviction(o.eviction().withBudget(tokens));
            default -> throw new IllegalArgumentException(flag + " is not a token budget");
        };
    }

    /**
     * Its value in {@code o} as its flag takes it: integers as numbers (a budget that never binds as 0, the flag's
     * "never evict"), booleans {@code on}/{@code off}, choices in lower case.
     */
    public Object flagValue(CacheOptions o) {
        Object v = valueIn(o);
        if (this == BUDGET && (Integer) v == EvictionOptions.UNBOUNDED) {
            return 0;
        }
        if (v instanceof Boolean b) {
            return b ? "on" : "off";
        }
        return v instanceof Enum<?> e ? e.name().toLowerCase(java.util.Locale.ROOT) : v;
    }

    /** Its value in {@code o}. */
    public Object valueIn(CacheOptions o) {
        return switch (this) {
            case BLOCK_SIZE -> o.blockSize();
            case PREFIX_SHARING -> o.prefixSharing();
            case WINDOW -> o.window();
            case SINKS -> o.sinks();
            case RESERVE -> o.reserve();
            case BUDGET -> o.eviction().budget();
            case GRANULARITY -> o.eviction().granularity();
        };
    }
}
