package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.model.HfFixtures;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.runtime.check.StrategyDriver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every strategy reproduces Hugging Face transformers' own outputs on the formula weights: the fixtures' three
 * prompts served together through the {@link Engine} give the fixtures' 64 greedy ids, and the logits of steps 0,
 * 1 and 63 are within 1e-4. The ring window (128) holds every fixture sequence, so a ring is exact here.
 */
class HfFixturesTest {
    static final CacheOptions OPTIONS = CacheOptions.DEFAULTS.withBlockSize(16).withWindow(128, 4);

    static Stream<Arguments> cases(String preset) {
        return StrategyConformanceTest.exactStrategies().map(s -> Arguments.of(preset, s));
    }

    static Stream<Arguments> tiny() {
        return cases("tiny");
    }

    static Stream<Arguments> small() {
        return StrategyConformanceTest.slowStrategies().map(s -> Arguments.of("small", s));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("tiny")
    void tinyFixtures(String preset, String strategy) {
        check(preset, "tiny", strategy);
    }

    @Tag("slow")
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("small")
    void gpt2SmallFixtures(String preset, String strategy) {
        check(preset, "gpt2", strategy);
    }

    private static void check(String fixture, String modelPreset, String strategy) {
        Gpt2Model model = Models.get(modelPreset);
        Map<String, HfFixtures.Prompt> prompts = HfFixtures.prompts(fixture);
        List<GenerationRequest> requests = new ArrayList<>();
        prompts.values().forEach(p -> requests.add(GenerationRequest.greedy(p.name(), p.promptIds(),
                p.generatedIds().length, true)));
        EngineConfig config = EngineConfig.DEFAULTS.withStrategy(strategy).withCacheOptions(OPTIONS);
        try (Engine engine = new Engine(model, config)) {
            for (RequestResult r : engine.runToCompletion(requests)) {
                assertArrayEquals(prompts.get(r.id()).generatedIds(), r.generatedIds(), strategy + " " + r.id());
                assertEquals(dev.kvlab.scheduler.FinishReason.LENGTH, r.finishReason());
            }
        }
        for (HfFixtures.Prompt p : prompts.values()) {
            checkLogits(fixture, model, strategy, p);
        }
    }

    private static void checkLogits(String fixture, Gpt2Model model, String strategy, HfFixtures.Prompt p) {
        int last = p.logitsFiles().keySet().stream().max(Integer::compare).orElseThrow();
        StrategyDriver.Run run = StrategyDriver.greedy(model, strategy, OPTIONS, p.promptIds(), last + 1, 64);
        for (Map.Entry<Integer, String> e : p.logitsFiles().entrySet()) {
            float[] expected = HfFixtures.logits(fixture, e.getValue());
            double diff = Oracle.maxAbsDiff(run.logits().get(e.getKey()), expected);
            assertTrue(diff <= HfFixtures.LOGITS_TOLERANCE, strategy + " " + e.getValue() + ": max diff " + diff);
        }
    }
}
