package dev.kvlab.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Paged waste on mixed lengths, from the cache's own {@link MemoryStats}: waste = (reserved - live) / reserved.
 *
 * <p>Population: a snapshot of 256 sequences being served, each with a prompt and a target output length drawn
 * from a ShareGPT-like log-normal (vLLM paper, ShareGPT: mean input 161, mean output 338 tokens; here
 * {@code round(median * exp(0.8 z))} with medians 117 and 245, which give those means, clipped to
 * {@code [median / 8, 6 * median]}, total at most 1024 = GPT-2's context), caught at a uniformly random point of its
 * generation (1..output tokens generated). The prompt is allocated in one chunk, then every generated token on its
 * own, as the engine does. Block size 16, no prefix sharing (random tokens share nothing anyway).
 *
 * <p>Paged wastes only the unfilled tail of each sequence's last block: fewer than {@code blockSize} slots per
 * sequence, about (blockSize - 1) / 2 on average, so its waste is about 7.5 / (mean length + 7.5). For this population
 * that is about 2%; for short sequences it is not small (a population with medians 32/32 wastes about 10%), which
 * the second case records. Contiguous slabs reserved for prompt + max new tokens (REQUEST) or the whole context
 * (MAX) are shown for scale.
 */
class PagedWasteTest {
    static final int SEQUENCES = 256;
    static final int BLOCK_SIZE = 16;
    static final int MAX_POSITIONS = 1024;
    static final CacheSpec SPEC = new CacheSpec(12, 12, 64, 4, SEQUENCES * MAX_POSITIONS, MAX_POSITIONS);

    /** One sequence of the snapshot: prompt length, target output length, tokens generated so far. */
    record Seq(int prompt, int output, int generated) {
    }

    @Test
    void pagedWasteOnShareGptLikeLengthsIsAtMostFourPercent() {
        List<Seq> population = population(117, 245, 1);
        double paged = waste("paged", CacheOptions.Reserve.REQUEST, population);
        report("ShareGPT-like (medians 117/245)", population, paged);
        assertTrue(paged <= 4.0, "paged waste " + paged + "% > 4%");
    }

    @Test
    void pagedWasteIsUnderOneBlockPerSequence() {
        List<Seq> population = population(32, 32, 2);
        KvCache cache = fill("paged", CacheOptions.Reserve.REQUEST, population);
        MemoryStats m = cache.memory();
        report("short (medians 32/32)", population, m.wastePercent());
        assertTrue(m.reservedTokens() - m.liveTokens() < SEQUENCES * BLOCK_SIZE, "under one block per sequence");
        int live = population.stream().mapToInt(s -> s.prompt() + s.generated()).sum();
        assertEquals(live, m.liveTokens(), "live = tokens held");
    }

    /** Seeded snapshot population (see the class comment). */
    static List<Seq> population(int promptMedian, int outputMedian, long seed) {
        Random r = new Random(seed);
        List<Seq> out = new ArrayList<>();
        for (int i = 0; i < SEQUENCES; i++) {
            int prompt = logNormal(r, promptMedian);
            int output = Math.min(logNormal(r, outputMedian), MAX_POSITIONS - prompt);
            out.add(new Seq(prompt, output, 1 + r.nextInt(output)));
        }
        return out;
    }

    private static int logNormal(Random r, int median) {
        double v = median * Math.exp(0.8 * r.nextGaussian());
        return (int) Math.max(Math.max(1, median / 8), Math.min(6 * median, Math.round(v)));
    }

    static double waste(String strategy, CacheOptions.Reserve reserve, List<Seq> population) {
        return fill(strategy, reserve, population).memory().wastePercent();
    }

    /** Prompt in one chunk, then each generated token on its own, all sequences in turn. */
    static KvCache fill(String strategy, CacheOptions.Reserve reserve, List<Seq> population) {
        CacheOptions options = CacheOptions.DEFAULTS.withBlockSize(BLOCK_SIZE).withPrefixSharing(false)
                .withReserve(reserve);
        KvCache cache = KvCacheRegistry.create(strategy, SPEC, options);
        Random ids = new Random(99);
        for (int i = 0; i < population.size(); i++) {
            Seq s = population.get(i);
            int[] tokens = ids.ints(s.prompt() + s.generated(), 0, 50000).toArray();
            int max = s.prompt() + s.output();
            SeqId seq = new SeqId(i);
            granted(cache.allocate(new AllocRequest(seq, java.util.Arrays.copyOf(tokens, s.prompt()), s.prompt(), max)));
            for (int n = s.prompt() + 1; n <= tokens.length; n++) {
                granted(cache.allocate(new AllocRequest(seq, java.util.Arrays.copyOf(tokens, n), 1, max)));
            }
        }
        cache.checkInvariants();
        return cache;
    }

    private static void granted(Allocation a) {
        assertTrue(a instanceof Allocation.Granted, () -> "no room: " + a);
    }

    private static void report(String name, List<Seq> population, double paged) {
        double mean = population.stream().mapToInt(s -> s.prompt() + s.generated()).average().orElse(0);
        System.out.printf(Locale.ROOT, "waste, %s, mean held length %.0f: paged(16) %.2f%%, contiguous REQUEST %.1f%%,"
                        + " contiguous MAX %.1f%%%n", name, mean, paged,
                waste("contiguous", CacheOptions.Reserve.REQUEST, population),
                waste("contiguous", CacheOptions.Reserve.MAX, population));
    }
}
