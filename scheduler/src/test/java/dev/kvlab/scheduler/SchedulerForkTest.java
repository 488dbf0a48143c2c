package dev.kvlab.scheduler;

import static dev.kvlab.scheduler.SchedulerScenarioTest.EOS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.KvCache;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.cache.PagedCache;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * n samples of one prompt through {@link Scheduler#submitFork} on the paged cache (4-token blocks). The oracle is the
 * same requests submitted independently (no fork): {@link Driver#LETTERS} makes a token a function of the request and
 * the position only, so each sample's output must equal its independent run's, while the prompt is computed once.
 * The driver checks the scheduler's and the cache's invariants after every schedule and update, and its
 * {@link KvOracle} checks that every read slot holds the reader's own token (a wrong copy-on-write fails there).
 */
class SchedulerForkTest {

    private static final IntFunction<KvCache> PAGED = cap -> KvCacheRegistry.create("paged", Caches.spec(cap),
            Caches.options(false));

    /** Prompt ids shared by all samples of {@code group}. */
    private static int[] prompt(int group, int length) {
        return IntStream.range(0, length).map(i -> 100 * group + i).toArray();
    }

    private static Request sample(String id, int[] prompt, int maxNewTokens) {
        return new Request(new RequestId(id), prompt, StopConditions.of(maxNewTokens, EOS), null);
    }

    private static Driver driver(IntFunction<KvCache> cache, int capacity, int maxSeqs, int maxBatched) {
        return new Driver(new SchedulerConfig(maxSeqs, maxBatched), cache.apply(capacity), Driver.LETTERS);
    }

    /** Submits {@code ids[0]} and forks the others off it; the driver checks invariants. */
    private static void submitGroup(Driver d, int[] prompt, int maxNew, String... ids) {
        d.scheduler.submit(sample(ids[0], prompt, maxNew));
        for (int i = 1; i < ids.length; i++) {
            d.scheduler.submitFork(sample(ids[i], prompt, maxNew), new RequestId(ids[0]));
            d.scheduler.checkInvariants();
        }
    }

    private static Map<String, int[]> outputs(List<Request> finished) {
        Map<String, int[]> out = new HashMap<>();
        finished.forEach(r -> out.put(r.id().value(), r.outputIds()));
        return out;
    }

    @Test
    void forkedSamplesEqualIndependentOnesWithThePromptComputedOnce() {
        int[] prompt = prompt(1, 6);   // block 0 full, block 1 holds 2 of 4
        Driver forked = driver(PAGED, 64, 4, 64);
        submitGroup(forked, prompt, 5, "A", "B", "C");
        assertEquals(2, forked.scheduler.numPendingForks());
        assertEquals(List.of(new RequestId("A")), forked.scheduler.waitingIds());
        assertEquals("A0-6*<B<C", forked.step());
        assertEquals(0, forked.scheduler.numPendingForks());
        PagedCache cache = (PagedCache) forked.scheduler.cache();
        assertEquals(2, cache.memory().blocksUsed(), "right after the fork all three hold the prompt's 2 blocks");
        assertEquals(3, forked.scheduler.runningIds().size());
        assertEquals("A6-7* B6-7* C6-7*", forked.step());
        assertEquals(1 + 3, cache.memory().blocksUsed(), "the full prompt block, shared, plus a tail per sample");
        forked.runAll(20);

        Driver independent = driver(PAGED, 64, 4, 64);
        independent.submit(sample("A", prompt, 5), sample("B", prompt, 5), sample("C", prompt, 5));
        independent.runAll(20);

        Map<String, int[]> got = outputs(forked.finished);
        outputs(independent.finished).forEach((id, want) -> assertArrayEquals(want, got.get(id), id));
        assertEquals(6 + 3 * 4, forked.scheduler.stats().scheduledTokens(), "the prompt once, then 4 decodes each");
        assertEquals(3 * 6 + 3 * 4, independent.scheduler.stats().scheduledTokens());
        assertEquals(0, cache.memory().reservedTokens(), "all blocks free at the end");
    }

    @Test
    void aForkAtABlockBoundaryCopiesNothing() {
        Driver d = driver(PAGED, 64, 4, 64);
        submitGroup(d, prompt(1, 8), 3, "A", "B");
        d.step();
        PagedCache cache = (PagedCache) d.scheduler.cache();
        assertEquals(2, cache.memory().blocksUsed());
        d.step();
        assertEquals(2 + 2, cache.memory().blocksUsed(), "both prompt blocks shared, a new block each");
        d.runAll(20);
        assertEquals(0, cache.memory().reservedTokens());
    }

    @Test
    void aParentIsAdmittedOnlyWhenSeatsForAllItsSamplesAreFree() {
        Driver d = driver(PAGED, 128, 3, 64);
        d.submit(sample("D", prompt(4, 3), 3));
        submitGroup(d, prompt(1, 5), 2, "A", "B", "C");
        assertEquals("D0-3*", d.step(), "D takes a seat: A's 3 samples do not fit beside it");
        assertEquals("D3-4*", d.step());
        assertEquals("D4-5*", d.step());
        assertEquals("A0-5*<B<C", d.step());
        d.runAll(20);
        assertEquals(4, d.finished.size());
        assertThrows(IllegalArgumentException.class, () -> submitGroup(driver(PAGED, 128, 3, 64), prompt(1, 5), 2,
                "A", "B", "C", "E"), "4 samples never fit 3 seats");
    }

    @Test
    void aChunkedPromptForksAtItsLastChunk() {
        Driver d = driver(PAGED, 128, 4, 4);
        submitGroup(d, prompt(1, 10), 2, "A", "B");
        assertEquals("A0-4", d.step());
        assertEquals("A4-8", d.step());
        assertEquals("A8-10*<B", d.step());
        d.runAll(20);
        Map<String, int[]> got = outputs(d.finished);
        assertArrayEquals(SchedulerScenarioTest.letters("B", 10, 12), got.get("B"));
    }

    @Test
    void cancellingTheParentBeforeItsPromptEndsCancelsItsPendingSamples() {
        Driver d = driver(PAGED, 128, 4, 4);
        submitGroup(d, prompt(1, 10), 3, "A", "B", "C");
        d.step();
        assertTrue(d.scheduler.cancel(new RequestId("C")), "a pending sample can be cancelled alone");
        d.scheduler.checkInvariants();
        d.step();
        assertTrue(d.scheduler.cancel(new RequestId("A")));
        d.scheduler.checkInvariants();
        d.finished.addAll(d.scheduler.drainFinished());
        assertEquals(3, d.finished.size());
        d.finished.forEach(r -> assertEquals(FinishReason.CANCELLED, r.finishReason().orElseThrow(), r.toString()));
        assertEquals(0, d.scheduler.cache().memory().reservedTokens());
        assertTrue(!d.scheduler.hasWork());
    }

    @Test
    void aSampleThatStopsOnItsFirstTokenFreesOnlyItsOwnShare() {
        Driver d = new Driver(new SchedulerConfig(4, 64), PAGED.apply(64), chunk ->
                chunk.requestId().value().equals("B") ? EOS : Driver.LETTERS.token(chunk));
        submitGroup(d, prompt(1, 6), 3, "A", "B", "C");
        assertEquals("A0-6*<B<C", d.step());
        assertEquals(List.of("B"), d.finished.stream().map(r -> r.id().value()).toList());
        assertEquals(FinishReason.EOS, d.finished.get(0).finishReason().orElseThrow());
        d.runAll(20);
        assertEquals(0, d.scheduler.cache().memory().reservedTokens());
    }

    @Test
    void forkNeedsAForkingCacheAndAFreshWaitingParent() {
        Driver contiguous = driver(cap -> KvCacheRegistry.create("contiguous", Caches.spec(cap),
                Caches.options(false)), 64, 4, 64);
        contiguous.submit(sample("A", prompt(1, 4), 2));
        assertThrows(IllegalArgumentException.class,
                () -> contiguous.scheduler.submitFork(sample("B", prompt(1, 4), 2), new RequestId("A")));
        Driver d = driver(PAGED, 64, 4, 64);
        d.submit(sample("A", prompt(1, 4), 3));
        assertThrows(IllegalArgumentException.class,
                () -> d.scheduler.submitFork(sample("B", prompt(2, 4), 3), new RequestId("A")), "another prompt");
        d.step();
        assertThrows(IllegalArgumentException.class,
                () -> d.scheduler.submitFork(sample("B", prompt(1, 4), 3), new RequestId("A")), "A is running");
        d.scheduler.checkInvariants();
    }

    /**
     * Many groups of 1-4 samples with random prompts, lengths and token budgets in a pool small enough that forked
     * samples get preempted (their cache freed while siblings still share the prompt's blocks) and recompute: every
     * output equals the independent oracle's, and the cache is empty at the end.
     */
    @Test
    void randomGroupsUnderPreemptionEqualTheirIndependentRuns() {
        Random random = new Random(11);
        long preemptions = 0;
        for (int round = 0; round < 20; round++) {
            boolean sharing = round % 2 == 0;
            IntFunction<KvCache> paged = cap -> KvCacheRegistry.create("paged", Caches.spec(cap),
                    Caches.options(sharing));
            int budget = 2 + random.nextInt(20);
            Driver forked = driver(paged, 48, 6, budget);
            Driver independent = driver(paged, 48, 6, budget);
            List<Request> plain = new ArrayList<>();
            for (int g = 0; g < 5; g++) {
                int n = 1 + random.nextInt(4);
                int[] prompt = prompt(g + 1, 1 + random.nextInt(14));
                int maxNew = 1 + random.nextInt(10);
                String[] ids = new String[n];
                for (int i = 0; i < n; i++) {
                    ids[i] = (char) ('A' + g) + "" + i;
                    plain.add(sample(ids[i], prompt, maxNew));
                }
                submitGroup(forked, prompt, maxNew, ids);
            }
            plain.forEach(independent::submit);
            forked.runAll(2000);
            independent.runAll(2000);
            Map<String, int[]> got = outputs(forked.finished);
            Map<String, int[]> want = outputs(independent.finished);
            assertEquals(want.keySet(), got.keySet());
            String where = "round " + round + " ";
            want.forEach((id, w) -> assertArrayEquals(w, got.get(id), where + id));
            assertEquals(0, forked.scheduler.cache().memory().reservedTokens());
            preemptions += forked.scheduler.stats().preemptions();
        }
        assertTrue(preemptions > 0, "the pool is small enough to preempt forked samples");
    }
}
