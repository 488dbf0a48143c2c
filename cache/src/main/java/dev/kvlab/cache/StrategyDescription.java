package dev.kvlab.cache;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Everything kvlab knows about a strategy, in one place: registered once (built-ins in {@link KvCacheRegistry},
 * others through a {@link StrategyPlugin}), and the single source for CLI help and validation, benchmark variants,
 * sweep axes, labels and columns, JMH's strategy list and the conformance suites.
 *
 * @param name     the registry name ({@code paged}): lower-case letters, digits and dashes
 * @param summary  one line: what it does
 * @param reads    the options it reads; the others never change what it does
 * @param variants named option settings ({@code paged:noprefix}); may be empty
 * @param factory  builds it
 */
public record StrategyDescription(String name, String summary, Set<CacheOption> reads,
                                  List<StrategyVariant> variants, KvCacheFactory factory) {
    public StrategyDescription {
        checkName(name, "strategy");
        if (summary == null || summary.isBlank() || factory == null) {
            throw new IllegalArgumentException("strategy '" + name + "' needs a summary and a factory");
        }
        reads = reads == null || reads.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(reads));
        variants = variants == null ? List.of() : List.copyOf(variants);
        if (variants.stream().map(StrategyVariant::name).distinct().count() != variants.size()) {
            throw new IllegalArgumentException("strategy '" + name + "' names a variant twice");
        }
    }

    /** Whether the strategy reads {@code option}. */
    public boolean readsOption(CacheOption option) {
        return reads.contains(option);
    }

    /**
     * The option that bounds the tokens a sequence holds ({@link CacheOption#isTokenBudget}: the ring's window, the
     * eviction policies' budget), or empty for a strategy that holds every token it is given.
     */
    public Optional<CacheOption> tokenBudget() {
        return java.util.Arrays.stream(CacheOption.values()).filter(o -> o.isTokenBudget() && reads.contains(o))
                .findFirst();
    }

    /** What {@code o} sets of the options this strategy reads, as flags: {@code window 256 sinks 4}. */
    public String describeOptions(CacheOptions o) {
        StringBuilder b = new StringBuilder();
        for (CacheOption c : CacheOption.values()) {
            if (reads.contains(c)) {
                b.append(b.length() == 0 ? "" : " ").append(c.flag()).append(' ').append(c.flagValue(o));
            }
        }
        return b.toString();
    }

    /** The variant called {@code variant}. */
    public Optional<StrategyVariant> variant(String variant) {
        return variants.stream().filter(v -> v.name().equals(variant)).findFirst();
    }

    /** {@code name} and, when {@code o} has one of the variants' settings, {@code :variant} ({@code paged:noprefix}). */
    public String nameWithVariant(CacheOptions o) {
        return variants.stream().filter(v -> v.isIn(o)).findFirst().map(v -> name + ":" + v.name()).orElse(name);
    }

    /** Every selectable name: the strategy, then each {@code name:variant}. */
    public List<String> selectableNames() {
        List<String> out = new java.util.ArrayList<>(List.of(name));
        variants.forEach(v -> out.add(name + ":" + v.name()));
        return out;
    }

    static void checkName(String name, String what) {
        if (name == null || !name.matches("[a-z0-9][a-z0-9-]*")) {
            throw new IllegalArgumentException(what + " name must be lower-case letters, digits and dashes, got '"
                    + name + "'");
        }
    }
}
