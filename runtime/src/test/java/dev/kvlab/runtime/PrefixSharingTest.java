package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.CacheOptions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Paged prefix sharing on a shared-system-prompt workload: outputs identical to sharing off, far fewer blocks at the
 * peak, and prompt tokens served from the prefix cache instead of computed.
 */
class PrefixSharingTest {
    @Test
    void sharingGivesIdenticalOutputsWithFewerBlocks() {
        int[] system = StrategyConformanceTest.prompt(96, 77);   // six full blocks of 16
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            int[] user = StrategyConformanceTest.prompt(3 + i % 5, 1000 + i);
            int[] prompt = new int[system.length + user.length];
            System.arraycopy(system, 0, prompt, 0, system.length);
            System.arraycopy(user, 0, prompt, system.length, user.length);
            requests.add(GenerationRequest.greedy("r" + i, prompt, 8, true));
        }
        Outcome on = run(requests, true);
        Outcome off = run(requests, false);
        for (int i = 0; i < requests.size(); i++) {
            assertArrayEquals(off.results.get(i).generatedIds(), on.results.get(i).generatedIds(), "r" + i);
        }
        assertTrue(on.stats.prefixHitTokens() >= 20 * 96, "hits: " + on.stats.prefixHitTokens());
        assertEquals(0, off.stats.prefixHitTokens());
        assertTrue(on.stats.kv().peakBlocksUsed() * 2 < off.stats.kv().peakBlocksUsed(),
                "peak blocks with sharing " + on.stats.kv().peakBlocksUsed() + " vs without "
                        + off.stats.kv().peakBlocksUsed());
    }

    record Outcome(List<RequestResult> results, EngineStats stats) {
    }

    private static Outcome run(List<GenerationRequest> requests, boolean sharing) {
        CacheOptions options = CacheOptions.DEFAULTS.withBlockSize(16).withPrefixSharing(sharing);
        try (Engine engine = new Engine(Models.get("tiny"), new EngineConfig("paged", options, 0, 24, 256))) {
            List<RequestResult> results = engine.runToCompletion(requests);
            return new Outcome(results, engine.stats());
        }
    }
}
