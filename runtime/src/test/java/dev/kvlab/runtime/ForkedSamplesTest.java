package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.model.torch.Gpt2Model;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * n samples of one prompt as forks ({@link Engine#submitFork}) on the tiny model, paged. The oracle is the same n
 * requests with the same seeds submitted independently (no fork). In batch-invariant mode a request's logits do not
 * depend on its batch, so the forked samples' logits must be bitwise the independent ones at every step (their K/V:
 * the prompt's computed once and shared, the partly filled last block copied on write) and their tokens equal; the
 * prompt is computed once (computed tokens counted), the blocks held are the full prompt blocks once plus each
 * sample's own tail, and every block is free at the end.
 */
class ForkedSamplesTest {
    private static final int N = 4;
    private static final int MAX_NEW = 12;

    record Run(Map<String, int[]> ids, Map<String, List<float[]>> logits, EngineStats stats, List<Integer> blocks) {
    }

    private static List<GenerationRequest> samples(int[] prompt) {
        List<GenerationRequest> out = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            out.add(new GenerationRequest("s" + i, prompt, MAX_NEW, new SamplingParams(0.9, 40, 1.0, 100 + i), true,
                    null));
        }
        return out;
    }

    /** Runs the samples, forked or independent; records the blocks in use after each step. */
    private static Run run(Gpt2Model model, EngineConfig config, List<GenerationRequest> samples, boolean fork) {
        Map<String, int[]> ids = new HashMap<>();
        Map<String, List<float[]>> logits = new HashMap<>();
        List<Integer> blocks = new ArrayList<>();
        try (Engine engine = new Engine(model, config)) {
            engine.tapLogits((id, row) -> logits.computeIfAbsent(id, k -> new ArrayList<>()).add(row));
            engine.submit(samples.get(0));
            for (GenerationRequest s : samples.subList(1, samples.size())) {
                if (fork) {
                    engine.submitFork(samples.get(0).id(), s, LiveOptions.NONE);
                } else {
                    engine.submit(s);
                }
            }
            while (engine.hasWork()) {
                for (RequestResult r : engine.step()) {
                    assertEquals(dev.kvlab.scheduler.FinishReason.LENGTH, r.finishReason(), r.detail());
                    ids.put(r.id(), r.generatedIds());
                }
                engine.cache().checkInvariants();
                blocks.add(engine.cache().memory().blocksUsed());
            }
            assertEquals(0, engine.cache().memory().reservedTokens(), "every block is free at the end");
            return new Run(ids, logits, engine.stats(), blocks);
        }
    }

    private static void assertSameSamples(Run want, Run got) {
        assertEquals(want.ids().keySet(), got.ids().keySet());
        for (String id : want.ids().keySet()) {
            assertArrayEquals(want.ids().get(id), got.ids().get(id), id);
            assertEquals(want.logits().get(id).size(), got.logits().get(id).size(), id);
            for (int step = 0; step < want.logits().get(id).size(); step++) {
                assertArrayEquals(want.logits().get(id).get(step), got.logits().get(id).get(step),
                        id + " logits at output " + step);
            }
        }
    }

    @Test
    void forkedSamplesEqualIndependentSeededRequestsWithThePromptComputedOnce() {
        Gpt2Model model = Models.get("tiny");
        EngineConfig config = new EngineConfig("paged", CacheOptions.DEFAULTS.withBlockSize(16), 0, 8, 2048, true);
        for (int length : new int[] {21, 32}) {   // fork mid-block (1 full block + 5 tokens) and at a block boundary
            int[] prompt = StrategyConformanceTest.prompt(length, length);
            Run forked = run(model, config, samples(prompt), true);
            Run independent = run(model, config, samples(prompt), false);
            assertSameSamples(independent, forked);
            long decodes = N * (MAX_NEW - 1);
            assertEquals(length + decodes, forked.stats().computedTokens(), "the prompt is computed once");
            assertEquals(N * length + decodes, independent.stats().computedTokens());
            int full = length / 16;
            for (int step = 1; step < forked.blocks().size() - 1; step++) {
                int held = length + step;   // tokens each sample's cache holds after step (0-based) `step`
                int own = (held + 15) / 16 - full;
                assertEquals(full + N * own, forked.blocks().get(step), "length " + length + " step " + step
                        + ": the full prompt blocks once plus each sample's own tail");
            }
            assertEquals((length + 15) / 16, forked.blocks().get(0), "after the prefill: the prompt's blocks, shared");
        }
    }

    @Test
    void forkedSamplesPreemptedAndRecomputedStillEqualTheirIndependentRuns() {
        Gpt2Model model = Models.get("tiny");
        // 12 blocks of 4: the 4 samples of 21 + 12 tokens need 5 shared + 4 x 4 own blocks, so some are preempted.
        EngineConfig config = new EngineConfig("paged", CacheOptions.DEFAULTS.withBlockSize(4), 48, 8, 2048, true);
        int[] prompt = StrategyConformanceTest.prompt(21, 5);
        Run forked = run(model, config, samples(prompt), true);
        Run independent = run(model, new EngineConfig("paged", CacheOptions.DEFAULTS.withBlockSize(4), 0, 8, 2048,
                true), samples(prompt), false);
        assertTrue(forked.stats().preemptions() > 0, "the budget preempts forked samples");
        assertEquals(independent.ids().keySet(), forked.ids().keySet());
        for (String id : independent.ids().keySet()) {
            assertArrayEquals(independent.ids().get(id), forked.ids().get(id), id);
        }
    }
}
