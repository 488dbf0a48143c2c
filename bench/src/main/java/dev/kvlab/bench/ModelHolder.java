package dev.kvlab.bench;

import dev.kvlab.model.TensorSource;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.model.torch.RuntimeOptions;
import dev.kvlab.runtime.Engine;
import dev.kvlab.runtime.EngineConfig;
import dev.kvlab.runtime.GenerationRequest;
import dev.kvlab.runtime.LoadedModel;
import dev.kvlab.runtime.ModelRef;
import java.util.List;

/**
 * Holds at most one loaded model (a gpt2-medium and a gpt2-small together would only crowd memory): asking for
 * another name closes the current one. Each model is warmed up once after loading (a few short batched requests,
 * so JIT compilation and first-touch allocation are not charged to the first measured run).
 */
final class ModelHolder implements AutoCloseable {
    private final long weightsSeed;
    private final RuntimeOptions options;
    private final Progress progress;
    private LoadedModel current;

    ModelHolder(long weightsSeed, RuntimeOptions options, Progress progress) {
        this.weightsSeed = weightsSeed;
        this.options = options;
        this.progress = progress;
    }

    Gpt2Model get(String name) {
        if (current != null && current.name().equals(name)) {
            return current.model();
        }
        close();
        long t0 = System.nanoTime();
        current = LoadedModel.load(name, weightsSeed, options);
        warmUp(current.model());
        progress.note(String.format(java.util.Locale.ROOT, "kvlab: loaded and warmed up %s in %.1f s", name,
                (System.nanoTime() - t0) / 1e9));
        return current.model();
    }

    /** The loaded model {@code name} with its tokenizer (loading it if needed); owned by this holder. */
    LoadedModel loaded(String name) {
        get(name);
        return current;
    }

    /** The weights of {@code name}, opened again; the caller closes them. */
    TensorSource openWeights(String name) {
        return ModelRef.openWeights(name, weightsSeed);
    }

    private static void warmUp(Gpt2Model model) {
        int eos = model.config().eosTokenId();
        int[] prompt = Workloads.tokens(new java.util.Random(42), 24, eos);
        for (String strategy : List.of("contiguous", "paged")) {
            EngineConfig c = EngineConfig.DEFAULTS.withStrategy(strategy).withKvBudgetTokens(4 * 64)
                    .withLimits(4, EngineConfig.DEFAULTS.maxBatchedTokens());
            try (Engine e = new Engine(model, c)) {
                e.runToCompletion(List.of(GenerationRequest.greedy("w0", prompt, 4, true),
                        GenerationRequest.greedy("w1", java.util.Arrays.copyOf(prompt, 9), 6, true)));
            }
        }
    }

    @Override
    public void close() {
        if (current != null) {
            current.close();
            current = null;
        }
    }
}
