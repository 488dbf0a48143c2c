package dev.kvlab.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.KvCache;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * 10,000 requests through a pool small enough to preempt all the time, under a fake model whose token at position p
 * of request i is a fixed function of (i, p). The oracle is a plain loop over that function and the stop rules,
 * independent of the scheduler: every request must finish exactly once, with exactly that output (a prefix of it
 * when cancelled), every chunk must feed the cache the request's true tokens ({@link KvOracle} checks what attention
 * reads), the invariants must hold after every step, and the pool must be empty at the end.
 */
class SchedulerLoadTest {

    static final int NUM_REQUESTS = 10_000;
    static final int CAPACITY_TOKENS = 256;
    static final int VOCAB = 64;
    static final int EOS = 0;
    /** Live (submitted, unfinished) requests the arrival process keeps topping up to. */
    static final int TARGET_LIVE = 48;
    static final SchedulerConfig CONFIG = new SchedulerConfig(32, 64);

    /** What a request must produce: its full token sequence (prompt + output) and how it ends. */
    record Expected(int promptLength, int[] tokens, FinishReason reason) {
        int[] output() {
            return Arrays.copyOfRange(tokens, promptLength, tokens.length);
        }
    }

    static Stream<Arguments> caches() {
        return Caches.all();
    }

    /** The fake model: a hash of (request number, position) into the vocabulary. */
    static int token(int request, int position) {
        long h = request * 0x9E3779B97F4A7C15L + position * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 31;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 29;
        return (int) Math.floorMod(h, (long) VOCAB);
    }

    static int number(RequestId id) {
        return Integer.parseInt(id.value().substring(1));
    }

    /** The oracle: generate from {@link #token} until a stop rule holds, exactly as the contract reads. */
    static Expected expected(int request, int[] prompt, StopConditions stop) {
        int[] tokens = Arrays.copyOf(prompt, prompt.length + stop.maxNewTokens());
        int n = prompt.length;
        while (true) {
            int t = token(request, n);
            tokens[n++] = t;
            int generated = n - prompt.length;
            FinishReason reason = t == EOS && !stop.ignoreEos() ? FinishReason.EOS
                    : Arrays.stream(stop.stopTokenIds()).anyMatch(s -> s == t) ? FinishReason.STOP_TOKEN
                    : generated == stop.maxNewTokens() ? FinishReason.LENGTH : null;
            if (reason != null) {
                return new Expected(prompt.length, Arrays.copyOf(tokens, n), reason);
            }
        }
    }

    /** A random request: short or long prompts (half of them opening with a shared prefix), rare huge ones. */
    static Request randomRequest(int i, SplittableRandom rnd, int[][] prefixes) {
        int promptLength = rnd.nextInt(100) < 10 ? 49 + rnd.nextInt(72) : 1 + rnd.nextInt(48);
        if (rnd.nextInt(1000) < 3) {
            promptLength = CAPACITY_TOKENS + 44; // more than the whole pool
        }
        int[] prompt = rnd.ints(promptLength, 1, VOCAB).toArray();
        if (rnd.nextBoolean()) {
            int[] prefix = prefixes[rnd.nextInt(prefixes.length)];
            System.arraycopy(prefix, 0, prompt, 0, Math.min(prefix.length, promptLength));
        }
        StopConditions stop = StopConditions.of(1 + rnd.nextInt(32), EOS);
        if (rnd.nextBoolean()) {
            stop = stop.ignoringEos();
        }
        if (rnd.nextInt(10) < 3) {
            stop = stop.withStopTokenIds(1 + rnd.nextInt(VOCAB - 1));
        }
        return new Request(new RequestId("r" + i), prompt, stop, null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caches")
    void tenThousandRequestsAllFinishOnceWithTheirExactOutput(String name, IntFunction<KvCache> makeCache) {
        long start = System.nanoTime();
        long cpuStart = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        SplittableRandom rnd = new SplittableRandom(20240607);
        int[][] prefixes = new int[8][];
        for (int i = 0; i < prefixes.length; i++) {
            prefixes[i] = rnd.ints(16, 1, VOCAB).toArray();
        }
        Map<RequestId, Expected> expected = new HashMap<>();
        Driver d = new Driver(CONFIG, makeCache.apply(CAPACITY_TOKENS), chunk -> {
            int[] truth = expected.get(chunk.requestId()).tokens();
            if (!Arrays.equals(truth, 0, chunk.endPosition(), chunk.tokenIds(), 0, chunk.endPosition())) {
                throw new AssertionError("wrong tokens fed for " + chunk);
            }
            return token(number(chunk.requestId()), chunk.endPosition());
        });
        d.checkInFlight = false; // once per step is enough here; the scenarios check in flight too
        d.recordTrace = false;
        List<Request> submitted = new ArrayList<>();
        List<RequestId> live = new ArrayList<>();
        int finishedSeen = 0;
        while (submitted.size() < NUM_REQUESTS || d.scheduler.hasWork()) {
            while (submitted.size() < NUM_REQUESTS && live.size() < TARGET_LIVE) {
                Request r = randomRequest(submitted.size(), rnd, prefixes);
                expected.put(r.id(), expected(number(r.id()), r.promptIds(), r.stop()));
                submitted.add(r);
                live.add(r.id());
                d.submit(r);
            }
            if (rnd.nextInt(100) == 0) {
                d.scheduler.cancel(live.get(rnd.nextInt(live.size())));
                d.finished.addAll(d.scheduler.drainFinished());
            }
            d.step();
            for (; finishedSeen < d.finished.size(); finishedSeen++) {
                live.remove(d.finished.get(finishedSeen).id());
            }
            if (d.scheduler.stats().steps() > 200_000) {
                throw new AssertionError("no end in sight after 200,000 steps");
            }
        }
        checkEveryRequestFinishedOnce(submitted, d.finished, expected);
        assertEquals(0, d.scheduler.cache().memory().reservedTokens(), "every slot is returned");
        SchedulerStats stats = d.scheduler.stats();
        if (name.equals("fake-blocks") || name.startsWith("paged")) {
            assertTrue(stats.preemptions() > 1000, "the pool is small enough to preempt often: " + stats);
        }
        if (!name.equals("none") && !name.equals("ring")) { // these two hold a huge prompt; the others cannot
            assertTrue(d.finished.stream().anyMatch(r -> r.finishReason().orElseThrow() == FinishReason.REJECTED),
                    "prompts bigger than the pool are rejected");
        }
        System.out.printf("%s: %d requests, %s, %d ms wall, %d ms cpu%n", name, NUM_REQUESTS, stats,
                (System.nanoTime() - start) / 1_000_000,
                (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpuStart) / 1_000_000);
    }

    static void checkEveryRequestFinishedOnce(List<Request> submitted, List<Request> finished,
                                              Map<RequestId, Expected> expected) {
        Map<Request, Integer> count = new IdentityHashMap<>();
        finished.forEach(r -> count.merge(r, 1, Integer::sum));
        assertEquals(submitted.size(), finished.size(), "finished == submitted");
        Map<FinishReason, Integer> reasons = new HashMap<>();
        for (Request r : submitted) {
            assertEquals(1, count.getOrDefault(r, 0), r + " finishes exactly once");
            Expected e = expected.get(r.id());
            FinishReason reason = r.finishReason().orElseThrow();
            reasons.merge(reason, 1, Integer::sum);
            int[] out = r.outputIds();
            if (reason == FinishReason.CANCELLED || reason == FinishReason.REJECTED) {
                assertArrayEquals(Arrays.copyOf(e.output(), out.length), out, r + " output is a prefix");
                assertTrue(reason == FinishReason.CANCELLED || r.promptLength() > CAPACITY_TOKENS,
                        r + " rejected: " + r.finishDetail());
            } else {
                assertEquals(e.reason(), reason, r + " finish reason");
                assertArrayEquals(e.output(), out, r + " output");
            }
        }
        assertTrue(reasons.getOrDefault(FinishReason.EOS, 0) > 0 && reasons.getOrDefault(FinishReason.LENGTH, 0) > 0
                && reasons.getOrDefault(FinishReason.STOP_TOKEN, 0) > 0
                && reasons.getOrDefault(FinishReason.CANCELLED, 0) > 0, "every ending is exercised: " + reasons);
    }
}
