package dev.kvlab.cache.check;

import dev.kvlab.cache.AllocRequest;
import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.cache.EvictionOptions;
import dev.kvlab.cache.KvCache;
import dev.kvlab.cache.KvCacheFactory;
import dev.kvlab.cache.SeqId;
import dev.kvlab.cache.StrategyDescription;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The bookkeeping half of the conformance suite, for any strategy: what {@code KvCacheConformanceTest} and
 * {@code CanEverHoldTest} run on every registered strategy, and what {@code kvlab check-strategy} runs on one.
 * Each check stops at its first broken rule and reports the case it broke in.
 */
public final class CacheChecks {
    /** A pool so tight that random workloads run into NoRoom, preemption and resume under every strategy. */
    public static final CacheSpec TIGHT = new CacheSpec(2, 2, 4, 4, 50, 40);
    /**
     * Two option sets in which block size, sharing, window, sinks, reserve and eviction all differ; the eviction
     * budgets bind in the random workload: token eviction at 6, block eviction at 9 (h2o recent 2).
     */
    public static final List<CacheOptions> OPTION_SETS = List.of(
            new CacheOptions(4, true, 8, 2, CacheOptions.Reserve.REQUEST,
                    EvictionOptions.DEFAULTS.withBudget(6).withObservation(4, 3)),
            new CacheOptions(3, false, 6, 0, CacheOptions.Reserve.MAX,
                    EvictionOptions.DEFAULTS.withBudget(9).withGranularity(EvictionOptions.Granularity.BLOCK)
                            .withRecentWindow(2).withObservation(2, 1)));
    /** 40 slots (10 blocks of 4) and n_positions 1024: sequences longer than the pool are possible. */
    public static final CacheSpec SMALL_POOL = new CacheSpec(1, 1, 1, 4, 40, 1024);
    /** Lengths around and past {@link #SMALL_POOL}'s capacity. */
    public static final int[] HOLD_LENGTHS = {1, 39, 40, 41, 100};
    public static final int SEEDS = 6;
    public static final int OPERATIONS = 400;

    private CacheChecks() {
    }

    /** Every check on the registered strategy {@code d}, in order. */
    public static List<CheckOutcome> run(StrategyDescription d) {
        return run(d.name(), d.factory());
    }

    /** Every check on the strategy {@code name} that {@code factory} builds, in order. */
    public static List<CheckOutcome> run(String name, KvCacheFactory factory) {
        List<CheckOutcome> out = new ArrayList<>();
        out.add(CheckOutcome.of("random workloads through the slot simulator (" + SEEDS + " seeds x " + OPTION_SETS.size()
                + " option sets, " + OPERATIONS + " operations, invariants after each)", () -> {
                    for (CacheOptions o : OPTION_SETS) {
                        for (int s = 1; s <= SEEDS; s++) {
                            long seed = s;
                            CheckOutcome.inCase("options " + o + ", seed " + seed, () -> randomWorkload(name, factory, TIGHT, o, seed));
                        }
                    }
                }));
        out.add(CheckOutcome.of("canEverHold agrees with allocate, alone in an empty cache (lengths "
                + Arrays.toString(HOLD_LENGTHS) + ", " + SMALL_POOL.capacityTokens() + " slots)", () -> {
                    for (CacheOptions o : OPTION_SETS) {
                        for (int length : HOLD_LENGTHS) {
                            CheckOutcome.inCase("options " + o + ", length " + length, () -> canEverHold(name, factory, o, length));
                        }
                    }
                }));
        return out;
    }

    /** A cache built by {@code factory}, with its name and spec checked. */
    public static KvCache create(String name, KvCacheFactory factory, CacheSpec spec, CacheOptions options) {
        KvCache cache = factory.create(spec, options);
        Rules.same(name, cache.name(), "name() is the registered name");
        Rules.same(spec, cache.spec(), "spec() is the spec the strategy was built with");
        Rules.invariants(cache);
        return cache;
    }

    /** The seeded random workload of {@link RandomWorkload} on a fresh cache. */
    public static void randomWorkload(String name, KvCacheFactory factory, CacheSpec spec, CacheOptions options,
                                      long seed) {
        new RandomWorkload(create(name, factory, spec, options), seed).run(OPERATIONS);
    }

    /** {@code canEverHold(length)} is true exactly when a lone sequence is granted token by token up to length. */
    public static void canEverHold(String name, KvCacheFactory factory, CacheOptions options, int length) {
        KvCache cache = create(name, factory, SMALL_POOL, options);
        boolean says = cache.canEverHold(length);
        int stop = growsTo(cache, length);
        Rules.check(says == (stop == length), "canEverHold agrees with allocate", "canEverHold(" + length + ") = "
                + says + " but a lone sequence " + (stop == length ? "was granted all " + length + " tokens"
                : "met NoRoom at " + (stop + 1) + " tokens"));
    }

    /** How many tokens a lone sequence is granted, one at a time, before NoRoom (or {@code length}). */
    private static int growsTo(KvCache cache, int length) {
        SeqId seq = new SeqId(1);
        int[] tokens = new int[length];
        for (int n = 1; n <= length; n++) {
            if (cache.allocate(new AllocRequest(seq, Arrays.copyOf(tokens, n), 1, length))
                    instanceof Allocation.NoRoom) {
                return n - 1;
            }
            Rules.invariants(cache);
        }
        return length;
    }
}
