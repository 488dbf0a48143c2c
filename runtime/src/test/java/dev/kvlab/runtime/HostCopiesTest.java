package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.model.torch.DecodePath;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.model.torch.HostCopy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Device discipline, part 2: whole engine steps (every registered strategy, chunked prefill mixed with decode,
 * greedy and sampled requests, with and without log-probabilities, each decode-attention path: the CPU kernel, the
 * torch-ops path CUDA uses, per chunk) and every device-to-host copy they make, counted by the engine's
 * {@link HostCopy}. Per step exactly: one copy of the S picked ids ({@code 8 S} bytes) when the step samples (the
 * sampler runs on the device: only the ids cross), with the top ids of the rows that asked for log-probabilities
 * after them ({@code 8 n} bytes each), plus, when any row asked, one copy of their log-probabilities ({@code 8 (1 +
 * n)} bytes each: the chosen token's and the top n). Never a logits row. The log-probabilities that arrive equal the
 * host reference ({@link TokenLogprobs#of}) on the step's raw rows (tapped outside the count). Part 1 (model's
 * DevicePlacementTest) shows every tensor the step reads, and the sampler's inputs, are on the device. The CPU
 * decode kernel reads the pool through its host pointer, on the CPU only (it refuses any other device).
 */
class HostCopiesTest {
    private static final CacheOptions OPTIONS = CacheOptions.DEFAULTS.withBlockSize(4).withWindow(16, 2);
    private static final SamplingParams SAMPLED = new SamplingParams(0.8, 20, 0.95, 3);

    static Stream<Arguments> cases() {
        return KvCacheRegistry.names().stream().flatMap(s -> Stream.of(DecodePath.AUTO, DecodePath.BATCHED,
                DecodePath.PER_CHUNK).map(p -> Arguments.of(s, p)));
    }

    /** A token delivered in the current step: whose, and how many top log-probabilities it came with (-1: none). */
    private record Delivered(String id, int top) {
    }

    @ParameterizedTest(name = "{0} decode={1}")
    @MethodSource("cases")
    void onlyTheSampledIdsAndTheAskedLogprobsCross(String strategy, DecodePath path) {
        Gpt2Model model = Models.get("tiny", path);
        EngineConfig config = EngineConfig.DEFAULTS.withStrategy(strategy).withCacheOptions(OPTIONS).withLimits(5, 16);
        List<Delivered> delivered = new ArrayList<>();
        Map<String, float[]> raw = new HashMap<>();   // this step's raw rows (EOS not suppressed), tapped, not counted
        try (Engine engine = new Engine(model, config)) {
            engine.tapLogits(raw::put);
            submit(engine, new GenerationRequest("greedy-long", prompt(40), 6, SamplingParams.GREEDY, true, null),
                    -1, delivered, raw);
            submit(engine, new GenerationRequest("sampled", prompt(5), 6, SAMPLED, true, null), -1, delivered, raw);
            submit(engine, new GenerationRequest("greedy-short", prompt(1), 6, SamplingParams.GREEDY, true, null),
                    -1, delivered, raw);
            submit(engine, new GenerationRequest("sampled-lp", prompt(9), 6, SAMPLED, true, null), 3, delivered,
                    raw);
            submit(engine, new GenerationRequest("greedy-lp", prompt(3), 6, SamplingParams.GREEDY, true, null), 0,
                    delivered, raw);
            int steps = 0;
            int tokens = 0;
            while (engine.hasWork()) {
                delivered.clear();
                raw.clear();
                HostCopy.Count before = engine.hostCopies();
                engine.step();
                HostCopy.Count step = engine.hostCopies().minus(before);
                long s = delivered.size();
                long asking = delivered.stream().filter(d -> d.top() >= 0).count();
                long top = delivered.stream().filter(d -> d.top() >= 0).mapToLong(Delivered::top).sum();
                assertEquals(new HostCopy.Count((s > 0 ? 1 : 0) + (asking > 0 ? 1 : 0), 8 * (s + top)
                        + 8 * (asking + top)), step, strategy + " step " + steps + ": " + delivered);
                steps++;
                tokens += s;
            }
            assertEquals(30, tokens);
            assertTrue(steps > 6, "chunked prefill and decode took " + steps + " steps");
        }
    }

    private static void submit(Engine engine, GenerationRequest r, int top, List<Delivered> delivered,
            Map<String, float[]> raw) {
        engine.submit(r, new LiveOptions((token, logprobs) -> {
            delivered.add(new Delivered(r.id(), top));
            assertEquals(top >= 0, logprobs != null, r.id());
            if (logprobs != null) {
                TokenLogprobs want = TokenLogprobs.of(raw.get(r.id()), token, top);
                assertArrayEquals(want.topIds(), logprobs.topIds(), r.id());
                assertArrayEquals(want.topLogprobs(), logprobs.topLogprobs(), 1e-9, r.id());
                assertEquals(want.logprob(), logprobs.logprob(), 1e-9, r.id());
            }
        }, top, 0));
    }
    private static int[] prompt(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = 100 + 37 * i % 900;
        }
        return p;
    }
}
