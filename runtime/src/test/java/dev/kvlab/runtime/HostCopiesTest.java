package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.model.torch.DecodePath;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.model.torch.HostCopy;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Device discipline, part 2: whole engine steps (every registered strategy, chunked prefill mixed with decode,
 * greedy and sampled requests, each decode-attention path: the CPU kernel, the torch-ops path CUDA uses, per chunk)
 * and every device-to-host copy they make, counted by the engine's {@link HostCopy}. Per step exactly: one copy of
 * the S sampled ids ({@code 8 S} bytes) when the step samples, plus one logits row ({@code 4 vocab} bytes) per
 * request that samples on the host (temperature > 0: drawn in double precision from the request's own stream).
 * Nothing else crosses; part 1 (model's DevicePlacementTest) shows every tensor the step reads is on the device.
 * The CPU decode kernel reads the pool through its host pointer, on the CPU only (it refuses any other device).
 */
class HostCopiesTest {
    private static final CacheOptions OPTIONS = CacheOptions.DEFAULTS.withBlockSize(4).withWindow(16, 2);
    private static final SamplingParams SAMPLED = new SamplingParams(0.8, 20, 0.95, 3);

    static Stream<Arguments> cases() {
        return KvCacheRegistry.names().stream().flatMap(s -> Stream.of(DecodePath.AUTO, DecodePath.BATCHED,
                DecodePath.PER_CHUNK).map(p -> Arguments.of(s, p)));
    }

    @ParameterizedTest(name = "{0} decode={1}")
    @MethodSource("cases")
    void onlySampledIdsAndHostSampledRowsCross(String strategy, DecodePath path) {
        Gpt2Model model = Models.get("tiny", path);
        int vocab = model.config().vocabSize();
        EngineConfig config = EngineConfig.DEFAULTS.withStrategy(strategy).withCacheOptions(OPTIONS).withLimits(4, 16);
        List<String> delivered = new ArrayList<>();   // request ids, one per token sampled in the current step
        try (Engine engine = new Engine(model, config)) {
            submit(engine, new GenerationRequest("greedy-long", prompt(40), 6, SamplingParams.GREEDY, true, null),
                    delivered);
            submit(engine, new GenerationRequest("sampled", prompt(5), 6, SAMPLED, true, null), delivered);
            submit(engine, new GenerationRequest("greedy-short", prompt(1), 6, SamplingParams.GREEDY, true, null),
                    delivered);
            int steps = 0;
            int tokens = 0;
            while (engine.hasWork()) {
                delivered.clear();
                HostCopy.Count before = engine.hostCopies();
                engine.step();
                HostCopy.Count step = engine.hostCopies().minus(before);
                long s = delivered.size();
                long hostSampled = delivered.stream().filter("sampled"::equals).count();
                assertEquals(new HostCopy.Count((s > 0 ? 1 : 0) + hostSampled, 8 * s + 4L * vocab * hostSampled),
                        step, strategy + " step " + steps + ": " + delivered);
                steps++;
                tokens += s;
            }
            assertEquals(18, tokens);
            assertTrue(steps > 6, "chunked prefill and decode took " + steps + " steps");
        }
    }

    private static void submit(Engine engine, GenerationRequest r, List<String> delivered) {
        engine.submit(r, new LiveOptions((token, logprobs) -> delivered.add(r.id()), -1, 0));
    }

    private static int[] prompt(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = 100 + 37 * i % 900;
        }
        return p;
    }
}
