package dev.kvlab.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.KvCache;
import dev.kvlab.cache.KvCacheRegistry;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scenario stories on tiny pools of 4-token blocks, with the exact plan of every step (see {@link Driver} for the
 * notation). Each runs against every cache in {@link #caches()} that counts blocks the same way, so the same trace
 * must come out of each.
 */
class SchedulerScenarioTest {

    static final int EOS = 50256;

    static Stream<Arguments> caches() {
        return Caches.blockCounting();
    }

    static Driver driver(IntFunction<KvCache> cache, int capacityTokens, int maxSeqs, int maxBatchedTokens) {
        return new Driver(new SchedulerConfig(maxSeqs, maxBatchedTokens), cache.apply(capacityTokens),
                Driver.LETTERS);
    }

    /** Request {@code id} with a prompt of {@code promptLength} tokens (distinct per id) and EOS never sampled. */
    static Request request(String id, int promptLength, int maxNewTokens) {
        return request(id, promptLength, StopConditions.of(maxNewTokens, EOS));
    }

    static Request request(String id, int promptLength, StopConditions stop) {
        int base = 100 * (id.charAt(0) - 'A' + 1);
        return new Request(new RequestId(id), IntStream.range(0, promptLength).map(i -> base + i).toArray(), stop,
                null);
    }

    /** What {@link Driver#LETTERS} samples at positions [from, to) of request {@code id}. */
    static int[] letters(String id, int from, int to) {
        return IntStream.range(from, to).map(p -> Driver.letter(new RequestId(id), p)).toArray();
    }

    static Request finished(Driver d, String id) {
        return d.finished.stream().filter(r -> r.id().value().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError(id + " did not finish"));
    }

    static void assertOutput(Driver d, String id, FinishReason reason, int[] output) {
        Request r = finished(d, id);
        assertEquals(reason, r.finishReason().orElseThrow(), r.finishDetail());
        assertArrayEquals(output, r.outputIds(), id + " output");
    }

    static void assertCacheEmpty(Driver d) {
        assertEquals(0, d.scheduler.cache().memory().reservedTokens(), "every slot is returned");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caches")
    void chunkedPrefillSpansStepsUnderTheTokenBudget(String name, IntFunction<KvCache> cache) {
        Driver d = driver(cache, 64, 4, 4);
        d.submit(request("A", 10, 3));
        // 10 prompt tokens at 4 per step: two chunks that do not sample, then the one reaching the end samples.
        assertEquals(List.of("A0-4", "A4-8", "A8-10*", "A10-11*", "A11-12*"), d.runAll(20));
        assertOutput(d, "A", FinishReason.LENGTH, letters("A", 10, 13));
        assertCacheEmpty(d);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caches")
    void prefillChunksAndDecodesShareAStep(String name, IntFunction<KvCache> cache) {
        Driver d = driver(cache, 64, 4, 8);
        d.submit(request("A", 3, 4), request("B", 10, 2));
        // Step 0: A's whole prompt (3) and the first 5 of B's; step 1: A decodes while B finishes its prefill.
        assertEquals(List.of("A0-3* B0-5", "A3-4* B5-10*", "A4-5* B10-11*", "A5-6*"), d.runAll(20));
        assertOutput(d, "A", FinishReason.LENGTH, letters("A", 3, 7));
        assertOutput(d, "B", FinishReason.LENGTH, letters("B", 10, 12));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caches")
    void admissionWaitsForCacheRoomInStrictFcfsOrder(String name, IntFunction<KvCache> cache) {
        Driver d = driver(cache, 12, 4, 16); // 3 blocks
        d.submit(request("A", 8, 3), request("B", 5, 1), request("C", 1, 1));
        // A takes 2 blocks; B needs 2 and only 1 is free, so B waits, and C (which would fit) may not overtake it.
        assertEquals("A0-8*", d.step());
        assertEquals(List.of(new RequestId("B"), new RequestId("C")), d.scheduler.waitingIds());
        assertEquals("A8-9*", d.step()); // A's third block: the pool is full
        assertEquals("A9-10*", d.step()); // A finishes and frees its 3 blocks
        assertEquals("B0-5* C0-1*", d.step());
        assertFalse(d.scheduler.hasWork());
        assertEquals(List.of("A", "B", "C"), d.finished.stream().map(r -> r.id().value()).toList());
        assertCacheEmpty(d);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caches")
    void newestRunningRequestIsPreemptedAndResumesWithItsOutput(String name, IntFunction<KvCache> cache) {
        Driver d = driver(cache, 16, 4, 16); // 4 blocks
        d.submit(request("A", 4, 6), request("B", 4, 7));
        // Each grows to 2 blocks; at 9 tokens A needs a third, so B (the newest) is preempted. A finishes that step,
        // and B recomputes prompt + its 5 tokens (positions 0-8) in one chunk, then goes on decoding.
        assertEquals(List.of("A0-4* B0-4*", "A4-5* B4-5*", "A5-6* B5-6*", "A6-7* B6-7*", "A7-8* B7-8*",
                "A8-9* -B", "B0-9*", "B9-10*"), d.runAll(20));
        assertOutput(d, "A", FinishReason.LENGTH, letters("A", 4, 10));
        assertOutput(d, "B", FinishReason.LENGTH, letters("B", 4, 11));
        assertEquals(1, finished(d, "B").numPreemptions());
        assertEquals(1, d.scheduler.stats().preemptions());
        assertEquals(8, d.scheduler.stats().discardedTokens());
        assertCacheEmpty(d);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caches")
    void newestRequestPreemptsItselfAndNothingIsAdmittedThatStep(String name, IntFunction<KvCache> cache) {
        Driver d = driver(cache, 16, 4, 4); // 4 blocks, 4 tokens per step
        d.submit(request("A", 4, 8), request("B", 8, 5));
        assertEquals(List.of(
                "A0-4*",
                "A4-5* B0-3",    // B's prompt in chunks of what the budget leaves
                "A5-6* B3-6",    // the pool is full now
                "A6-7* B6-8*",
                "A7-8* -B",      // B needs a third block; B is the newest, so it preempts itself
                "A8-9* B0-3",    // A takes one of B's freed blocks; B restarts in the next step, not the same one
                "A9-10* -B",     // the pool is full again: B out again (recompute thrash)
                "A10-11* B0-3",  // A finishes
                "B3-7",
                "B7-9*",         // B's recomputed output position 8 is followed by a new token at 9
                "B9-10*", "B10-11*", "B11-12*"), d.runAll(30));
        assertOutput(d, "A", FinishReason.LENGTH, letters("A", 4, 12));
        assertOutput(d, "B", FinishReason.LENGTH, letters("B", 8, 13));
        assertEquals(2, finished(d, "B").numPreemptions());
        assertCacheEmpty(d);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caches")
    void maxSeqsCapsRunningRequests(String name, IntFunction<KvCache> cache) {
        Driver d = driver(cache, 64, 2, 100);
        d.submit(request("A", 2, 2), request("B", 2, 2), request("C", 2, 2));
        assertEquals(List.of("A0-2* B0-2*", "A2-3* B2-3*", "C0-2*", "C2-3*"), d.runAll(10));
        assertEquals(2, d.scheduler.stats().peakRunning());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caches")
    void stopConditions(String name, IntFunction<KvCache> cache) {
        Driver d = driver(cache, 64, 4, 64);
        d.submit(request("A", 3, StopConditions.of(10, 1005)),
                request("B", 3, StopConditions.of(4, 2004).ignoringEos()),
                request("C", 3, StopConditions.of(10, EOS).withStopTokenIds(3005, 7)),
                request("D", 3, StopConditions.of(2, 4004)));
        d.runAll(20);
        assertOutput(d, "A", FinishReason.EOS, letters("A", 3, 6));        // stops on EOS, keeping it
        assertOutput(d, "B", FinishReason.LENGTH, letters("B", 3, 7));     // generates past its EOS 2004
        assertOutput(d, "C", FinishReason.STOP_TOKEN, letters("C", 3, 6)); // stop id 3005
        assertOutput(d, "D", FinishReason.EOS, letters("D", 3, 5));        // EOS and length at once: EOS
        assertCacheEmpty(d);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caches")
    void cancelWaitingAndRunning(String name, IntFunction<KvCache> cache) {
        Driver d = driver(cache, 64, 1, 64);
        RequestId a = new RequestId("A");
        RequestId b = new RequestId("B");
        d.submit(request("A", 2, 10), request("B", 2, 10));
        assertEquals("A0-2*", d.step());
        assertTrue(d.scheduler.cancel(b)); // waiting
        assertFalse(d.scheduler.cancel(b));
        assertEquals(List.of(), d.scheduler.waitingIds());
        assertEquals("A2-3*", d.step());
        assertTrue(d.scheduler.cancel(a)); // running
        d.scheduler.checkInvariants();
        assertFalse(d.scheduler.hasWork());
        d.finished.addAll(d.scheduler.drainFinished());
        assertOutput(d, "B", FinishReason.CANCELLED, new int[0]);
        assertOutput(d, "A", FinishReason.CANCELLED, letters("A", 2, 4));
        assertCacheEmpty(d);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caches")
    void cancelWhileAStepIsInFlightIgnoresItsToken(String name, IntFunction<KvCache> cache) {
        Scheduler s = new Scheduler(new SchedulerConfig(4, 64), cache.apply(64));
        s.submit(request("A", 2, 10));
        StepPlan plan = s.schedule();
        assertTrue(s.cancel(new RequestId("A")));
        s.checkInvariants();
        s.update(plan, new StepResult(Map.of(new RequestId("A"), 7)));
        s.checkInvariants();
        List<Request> done = s.drainFinished();
        assertEquals(1, done.size());
        assertEquals(0, done.get(0).numOutputTokens());
        assertEquals(0, s.cache().memory().reservedTokens());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caches")
    void rejectsAPromptBiggerThanThePoolAndRunsTheNext(String name, IntFunction<KvCache> cache) {
        Driver d = driver(cache, 8, 4, 64); // 2 blocks
        d.submit(request("A", 12, 1), request("B", 2, 1));
        assertEquals(List.of("B0-2*"), d.runAll(5));
        assertOutput(d, "A", FinishReason.REJECTED, new int[0]);
        assertOutput(d, "B", FinishReason.LENGTH, letters("B", 2, 3));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caches")
    void rejectsAtSubmitARequestTheCacheCanNeverHold(String name, IntFunction<KvCache> cache) {
        Driver d = driver(cache, 8, 4, 64); // 2 blocks; A needs 11 tokens: canEverHold says no, nothing is computed
        d.submit(request("A", 6, 5));
        assertEquals(List.of(), d.runAll(10));
        assertOutput(d, "A", FinishReason.REJECTED, new int[0]);
        assertTrue(finished(d, "A").finishDetail().contains("can never hold"));
        assertCacheEmpty(d);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caches")
    void rejectsARequestThatOutgrowsThePoolAlone(String name, IntFunction<KvCache> cache) {
        // a cache that cannot tell in advance (canEverHold always true): caught when it outgrows the pool alone
        Driver d = driver(cap -> optimistic(cache.apply(cap)), 8, 4, 64); // 2 blocks; A needs a third at 9 tokens
        d.submit(request("A", 6, 5));
        assertEquals(List.of("A0-6*", "A6-7*", "A7-8*", ""), d.runAll(10));
        assertOutput(d, "A", FinishReason.REJECTED, letters("A", 6, 9)); // keeps what it generated
        assertTrue(finished(d, "A").finishDetail().contains("cannot hold it even alone"));
        assertCacheEmpty(d);
    }

    @Test
    void rejectsARequestLongerThanTheModelAtSubmission() {
        Driver d = driver(cap -> new FakeBlockCache(cap, 4), 4096, 4, 64);
        d.submit(request("A", 1000, 25)); // 1025 > 1024 positions
        assertFalse(d.scheduler.hasWork());
        assertOutput(d, "A", FinishReason.REJECTED, new int[0]);
        assertTrue(finished(d, "A").finishDetail().contains("1024 positions"), finished(d, "A").finishDetail());
    }

    @Test
    void admissionStartsAfterTheAttachedPrefixAgainAfterPreemption() {
        FakeBlockCache cache = new FakeBlockCache(16, 4);
        cache.prefixHits = tokens -> tokens.length >= 9 ? 4 : 0;
        Driver d = new Driver(new SchedulerConfig(4, 16), cache, Driver.LETTERS);
        d.oracle = null; // the fake's "cached" block holds no K/V
        d.submit(request("A", 4, 6), request("B", 4, 7));
        // As in the preemption story, but B's first block is "cached" when it comes back: it starts at position 4.
        assertEquals(List.of("A0-4* B0-4*", "A4-5* B4-5*", "A5-6* B5-6*", "A6-7* B6-7*", "A7-8* B7-8*",
                "A8-9* -B", "B4-9*", "B9-10*"), d.runAll(20));
        assertOutput(d, "B", FinishReason.LENGTH, letters("B", 4, 11));
        assertEquals(4, d.scheduler.stats().prefixHitTokens());
    }

    @Test
    void pagedPrefixCacheLetsAPreemptedRequestResumeFromItsOwnCachedBlock() {
        KvCache paged = KvCacheRegistry.create("paged", Caches.spec(16), Caches.options(true));
        Driver d = new Driver(new SchedulerConfig(4, 16), paged, Driver.LETTERS);
        d.submit(request("A", 4, 6), request("B", 4, 7));
        // The preemption story on the real paged cache with prefix sharing: B's tail block is freed first and taken
        // by A; its head block (positions 0-3, registered once computed) is still cached when B comes back, so B
        // attaches it and recomputes from position 4. The K/V oracle checks the attached slots hold B's tokens.
        assertEquals(List.of("A0-4* B0-4*", "A4-5* B4-5*", "A5-6* B5-6*", "A6-7* B6-7*", "A7-8* B7-8*",
                "A8-9* -B", "B4-9*", "B9-10*"), d.runAll(20));
        assertOutput(d, "B", FinishReason.LENGTH, letters("B", 4, 11));
        assertEquals(4, d.scheduler.stats().prefixHitTokens());
        assertCacheEmpty(d);
    }

    @Test
    void aCacheThatNeverHasRoomRejectsEveryRequestInsteadOfHanging() {
        FakeBlockCache broken = new FakeBlockCache(64, 4);
        broken.neverRoom = true;
        Driver d = new Driver(new SchedulerConfig(4, 16), broken, Driver.LETTERS);
        d.submit(request("A", 4, 6), request("B", 4, 7));
        assertEquals(List.of(""), d.runAll(3)); // each got no room with nobody else holding cache: rejected
        assertOutput(d, "A", FinishReason.REJECTED, new int[0]);
        assertOutput(d, "B", FinishReason.REJECTED, new int[0]);
    }

    /** Delegates to {@code c} but claims it can hold any sequence. */
    static KvCache optimistic(KvCache c) {
        return (KvCache) java.lang.reflect.Proxy.newProxyInstance(KvCache.class.getClassLoader(),
                new Class<?>[] {KvCache.class}, (proxy, m, args) -> "canEverHold".equals(m.getName()) ? Boolean.TRUE
                        : m.invoke(c, args));
    }
}
