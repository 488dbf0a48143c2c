package dev.kvlab.cache;

import java.util.function.UnaryOperator;

/**
 * A named setting of a strategy's options, selected as {@code strategy:variant} ({@code paged:noprefix}).
 * Invariant: {@code apply} is idempotent and changes only options the strategy reads, so a run's options name their
 * variant back: a variant is in effect exactly when applying it changes nothing.
 *
 * @param name    the part after the colon ({@code noprefix})
 * @param summary one line for help texts
 * @param apply   the options with the variant's setting
 */
public record StrategyVariant(String name, String summary, UnaryOperator<CacheOptions> apply) {
    public StrategyVariant {
        StrategyDescription.checkName(name, "variant");
        if (summary == null || summary.isBlank() || apply == null) {
            throw new IllegalArgumentException("variant '" + name + "' needs a summary and an apply function");
        }
    }

    /** Whether {@code o} already has this variant's setting. */
    public boolean isIn(CacheOptions o) {
        return apply.apply(o).equals(o);
    }
}
