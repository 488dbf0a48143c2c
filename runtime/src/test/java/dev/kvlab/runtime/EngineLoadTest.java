package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.runtime.check.StrategyDriver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/**
 * 10,000 requests through the engine on the tiny model, paged, with a pool small enough to preempt often: every
 * request finishes exactly once with exactly its length, every block comes back, invariants hold after every step,
 * resident memory stays flat, and a seeded sample of outputs equals the cache-free oracle.
 */
class EngineLoadTest {
    @Test
    void tenThousandRequestsUnderPreemption() {
        Random random = new Random(42);
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            int[] prompt = StrategyConformanceTest.prompt(1 + random.nextInt(12), random.nextLong());
            requests.add(GenerationRequest.greedy("r" + i, prompt, 1 + random.nextInt(6), true));
        }
        Map<String, RequestResult> done = new HashMap<>();
        long rssEarly = 0;
        long rssLate = 0;
        EngineConfig config = new EngineConfig("paged", CacheOptions.DEFAULTS.withBlockSize(4), 96, 32, 128);
        try (Engine engine = new Engine(Models.get("tiny"), config)) {
            requests.forEach(engine::submit);
            long steps = 0;
            while (engine.hasWork()) {
                for (RequestResult r : engine.step()) {
                    assertEquals(null, done.put(r.id(), r), "finished twice: " + r.id());
                }
                engine.cache().checkInvariants();
                if (++steps == 500) {
                    rssEarly = rss();
                }
            }
            rssLate = rss();
            assertEquals(0, engine.cache().memory().reservedTokens(), "every block returned");
            assertTrue(engine.stats().preemptions() > 100, "preemptions: " + engine.stats().preemptions());
        }
        assertEquals(requests.size(), done.size(), "none lost");
        for (GenerationRequest q : requests) {
            assertEquals(q.maxNewTokens(), done.get(q.id()).generatedIds().length, q.id());
        }
        assertTrue(rssLate - rssEarly < (64L << 20), "RSS grew by " + ((rssLate - rssEarly) >> 20) + " MiB");
        for (int i = 0; i < requests.size(); i += 250) {
            GenerationRequest q = requests.get(i);
            assertArrayEquals(oracle(q, done.get(q.id()).generatedIds()), done.get(q.id()).generatedIds(), q.id());
        }
    }

    private static int[] oracle(GenerationRequest q, int[] generated) {
        int[] seq = new int[q.promptIds().length + generated.length];
        System.arraycopy(q.promptIds(), 0, seq, 0, q.promptIds().length);
        System.arraycopy(generated, 0, seq, q.promptIds().length, generated.length);
        float[][] ref = Oracle.causal(Models.get("tiny"), seq);
        int[] ids = new int[generated.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = StrategyDriver.argmax(ref[q.promptIds().length - 1 + i], 50256);
        }
        return ids;
    }

    private static long rss() {
        System.gc();
        return Pointer.physicalBytes();
    }
}
