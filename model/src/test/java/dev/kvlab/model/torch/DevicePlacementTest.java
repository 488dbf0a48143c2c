package dev.kvlab.model.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.AllocRequest;
import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.cache.KvCache;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.cache.SeqId;
import dev.kvlab.cache.StrategyDescription;
import dev.kvlab.model.FormulaWeights;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.TensorSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Device discipline, part 1: everything a step runs on is created on the model's device. The device here is
 * PyTorch's {@code meta} (tensors without storage, which refuse to mix with CPU tensors in most ops): the weights,
 * the KV pool, and every step input of every built-in strategy (ids, positions, logit rows, write slots, masks,
 * paged block tables, ring slots, the decode-attention slot index of the torch-ops path CUDA uses), through chunked
 * prefill and decode steps with the decode rows both batched and per chunk. Each object's tensors are found by
 * walking its fields ({@link TensorGraph}), not by asking it, so a tensor created on the CPU by mistake anywhere in
 * it fails the test.
 *
 * <p>The sampler runs whole on meta: its inputs ({@link SamplerInputs}, walked like the step inputs) and every op of
 * {@link DeviceSampler} and {@link DeviceLogprobs} (each has a Meta kernel; a CPU tensor mixed in fails), on
 * logits made there. What stays off meta is the engine's glue around it (the finite check's {@code isfinite} and the
 * rows' {@code index_select} have no Meta kernel); runtime's HostCopiesTest counts what that glue copies out.
 *
 * <p>Why not run the whole forward pass on meta: this libtorch (2.10, C++ only) has no Meta kernel for
 * {@code index_select}, {@code layer_norm}, the SDPA math path ({@code where}) or {@code logical_and}; and no other
 * device exists on a CPU machine ({@code lazy} has no backend here, {@code privateuseone} is not linked). So the
 * forward pass is covered by part 2 (runtime's HostCopiesTest: every device-to-host copy of whole engine steps).
 */
class DevicePlacementTest {
    private static final Device META = new Device("meta");
    private static Gpt2Config config;

    @BeforeAll
    static void init() {
        TorchRuntime.initCpu();
        config = Gpt2Config.preset("tiny");
    }

    @Test
    void metaRefusesCpuTensors() {
        try (PointerScope scope = new PointerScope()) {
            Tensor meta = Tensors.longs(new int[] {1, 2, 3}, META);
            Tensor cpu = Tensors.longs(new int[] {1, 2, 3}, new Device("cpu"));
            assertEquals("meta", meta.device().str().getString());
            assertThrows(RuntimeException.class, () -> meta.add(cpu));
            Tensor pool = Tensors.range(0, 12, META).to(ScalarType.Float).view(4, 3);
            assertThrows(RuntimeException.class, () -> pool.index_copy_(0, cpu.narrow(0, 0, 1), pool.narrow(0, 0, 1)));
            assertThrows(RuntimeException.class, () -> pool.cpu(), "meta tensors have no data to copy out");
        }
    }

    @Test
    void weightsAndPoolLiveOnTheDevice() {
        try (TensorSource src = FormulaWeights.of(config, 0); DeviceWeights w = new DeviceWeights(src, META,
                ComputeDType.FLOAT32); KvPool pool = new KvPool(spec(64), META, ComputeDType.FLOAT32)) {
            List<Tensor> weights = TensorGraph.tensors(w);
            // wte, the LM head (the view wte.t() off the CPU), wpe, ln_f x2, 12 per block
            assertEquals(5 + 12 * config.nLayer(), weights.size());
            assertAllOn(weights, "weights");
            List<Tensor> kv = TensorGraph.tensors(pool);
            assertTrue(kv.size() >= 2 * config.nLayer() + 2, "pool holds " + kv.size());
            assertAllOn(kv, "KV pool");
        }
    }

    @Test
    void everyStepInputOfEveryStrategyLivesOnTheDevice() {
        for (StrategyDescription d : KvCacheRegistry.BUILT_IN) {
            for (boolean decodeRows : new boolean[] {true, false}) {
                int checked = steps(d.name(), decodeRows);
                assertTrue(checked >= 3 * 8, d.name() + ": only " + checked + " step tensors");
            }
        }
    }

    @Test
    void theSamplerAndItsInputsLiveOnTheDevice() {
        int vocab = config.vocabSize();
        List<List<SamplerInputs.Row>> steps = List.of(   // a partial top-k, a sort (nucleus alone), no threshold
                List.of(new SamplerInputs.Row(0, 0.3, 0.8, 40, 0.95), new SamplerInputs.Row(2, 0.7, 1.0, 0, 1.0),
                        new SamplerInputs.Row(3, 0.0, 1e-6, 1, 0.5)),
                List.of(new SamplerInputs.Row(1, 0.5, 1.2, 0, 0.9), new SamplerInputs.Row(0, 0.9, 0.7, 7, 1.0)),
                List.of(new SamplerInputs.Row(0, 0.1, 1.0, 0, 1.0)));
        for (List<SamplerInputs.Row> rows : steps) {
            try (PointerScope scope = new PointerScope()) {
                SamplerInputs in = new SamplerInputs(rows, vocab, META);
                List<Tensor> inputs = TensorGraph.tensors(in);
                assertEquals(5, inputs.size());
                assertAllOn(inputs, "sampler inputs");
                int r = rows.size();
                Tensor logits = Tensors.range(0, (long) r * vocab, META).to(ScalarType.Float).view(r, vocab);
                Tensor picked = DeviceSampler.pick(logits, in);   // [R]
                assertAllOn(List.of(picked), "sampled ids");
                assertEquals(List.of((long) r), Arrays.stream(picked.sizes().vec().get()).boxed().toList());
                int[] top = new int[r];
                Arrays.fill(top, 3);
                top[0] = 5;
                DeviceLogprobs.Flat lp = DeviceLogprobs.of(logits, picked, top);
                assertAllOn(TensorGraph.tensors(lp), "log-probabilities");
                assertEquals(3L * r + 2, lp.topIds().size(0));
                assertEquals(4L * r + 2, lp.values().size(0));
            }
        }
    }

    /**
     * Three sequences: A prefills 10 tokens in chunks of 6 and 4, B 3 tokens at once, C joins later; then decode
     * steps in lockstep (paged tables interleave, the ring wraps). Returns how many step tensors were checked.
     */
    private static int steps(String strategy, boolean decodeRows) {
        KvCache cache = KvCacheRegistry.create(strategy, spec(256), CacheOptions.DEFAULTS.withBlockSize(4)
                .withWindow(8, 2));
        int[][] prompts = {seq(10, 1), seq(3, 2), seq(5, 3)};
        int[] done = new int[3];
        List<int[]> tokens = new ArrayList<>(List.of(prompts[0], prompts[1], prompts[2]));
        int checked = 0;
        for (int step = 0; step < 12; step++) {
            List<SeqChunk> chunks = new ArrayList<>();
            for (int s = 0; s < 3; s++) {
                if (s == 2 && step < 3) {
                    continue;
                }
                int[] all = tokens.get(s);
                int n = done[s] == 0 && s == 0 ? 6 : all.length - done[s];
                int[] seen = Arrays.copyOf(all, done[s] + n);
                Allocation.Granted g = (Allocation.Granted) cache.allocate(new AllocRequest(new SeqId(s), seen, n,
                        64));
                chunks.add(SeqChunk.of(seen, done[s], g, seen.length == all.length));
                done[s] += n;
                if (done[s] == all.length) {
                    tokens.set(s, Arrays.copyOf(all, all.length + 1));   // the next token, decoded next step
                    tokens.get(s)[all.length] = 7 + step;
                }
            }
            try (PointerScope scope = new PointerScope()) {
                StepInputs in = new StepInputs(new ForwardBatch(chunks), META, decodeRows);
                if (in.decode.size() > 0) {
                    in.decodeIndex(0);   // built lazily by the torch-ops decode path: force it
                }
                List<Tensor> ts = TensorGraph.tensors(in);
                assertAllOn(ts, strategy + " step " + step);
                checked += ts.size();
            }
        }
        return checked;
    }

    private static void assertAllOn(List<Tensor> ts, String what) {
        for (Tensor t : ts) {
            assertEquals("meta", t.device().str().getString(), what + ": a " + Arrays.toString(t.sizes().vec().get())
                    + " tensor is not on the model's device");
        }
    }

    private static CacheSpec spec(int capacity) {
        return new CacheSpec(config.nLayer(), config.nHead(), config.headDim(), 4, capacity, config.nPositions());
    }

    private static int[] seq(int n, int salt) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = (salt * 31 + i * 7) % config.vocabSize();
        }
        return t;
    }
}
