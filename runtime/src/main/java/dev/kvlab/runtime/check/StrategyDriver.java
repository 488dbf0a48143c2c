package dev.kvlab.runtime.check;

import dev.kvlab.cache.AllocRequest;
import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.cache.KvCache;
import dev.kvlab.cache.KvCacheFactory;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.cache.SeqId;
import dev.kvlab.cache.check.Rules;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.torch.ForwardBatch;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.model.torch.HostCopy;
import dev.kvlab.model.torch.KvPool;
import dev.kvlab.model.torch.SeqChunk;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Greedy generation of one sequence straight through a strategy and the model (no scheduler), keeping the logits
 * of every sampling step, so a check can compare them with an oracle. Prefill runs in chunks of {@code chunk} tokens.
 * EOS is suppressed, as in the Hugging Face fixtures. A NoRoom (the pool holds the whole context, so it means the
 * strategy refused a lone sequence) and a broken invariant are {@link RuleViolation}s.
 */
public final class StrategyDriver {
    /** Tokens generated and, per step, the logits that chose them ({@code [vocab]} each). */
    public record Run(int[] prompt, int[] generated, List<float[]> logits, List<Allocation.Granted> grants) {
        /** Prompt then generated tokens. */
        public int[] sequence() {
            int[] all = Arrays.copyOf(prompt, prompt.length + generated.length);
            System.arraycopy(generated, 0, all, prompt.length, generated.length);
            return all;
        }
    }

    private StrategyDriver() {
    }

    /** {@link #greedy(Gpt2Model, KvCacheFactory, CacheOptions, int[], int, int)} of a registered strategy. */
    public static Run greedy(Gpt2Model model, String strategy, CacheOptions options, int[] prompt, int n, int chunk) {
        return greedy(model, KvCacheRegistry.describe(strategy).factory(), options, prompt, n, chunk);
    }

    /** Generates {@code n} greedy tokens after {@code prompt} through the cache {@code factory} builds. */
    public static Run greedy(Gpt2Model model, KvCacheFactory factory, CacheOptions options, int[] prompt, int n,
                             int chunk) {
        Gpt2Config c = model.config();
        CacheSpec spec = new CacheSpec(c.nLayer(), c.nHead(), c.headDim(), model.dtype().bytes(), c.nPositions(),
                c.nPositions());
        KvCache cache = factory.create(spec, options);
        SeqId seq = new SeqId(1);
        int[] all = prompt.clone();
        int computed = 0;
        List<float[]> logits = new ArrayList<>();
        List<Allocation.Granted> grants = new ArrayList<>();
        try (KvPool pool = new KvPool(spec.withCapacityTokens(cache.poolSlots()), cache.storage(), model.device(),
                model.dtype())) {
            while (all.length < prompt.length + n) {
                int take = Math.min(chunk, all.length - computed);
                int[] seen = Arrays.copyOf(all, computed + take);
                Allocation a = cache.allocate(new AllocRequest(seq, seen, take, prompt.length + n));
                Rules.check(a instanceof Allocation.Granted, "a lone sequence is granted room in a pool of the whole "
                        + "context", a);
                Allocation.Granted g = (Allocation.Granted) a;
                Rules.invariants(cache);
                grants.add(g);
                boolean samples = seen.length == all.length;
                float[] row = step(model, pool, SeqChunk.of(seen, computed, g, samples));
                computed = seen.length;
                if (samples) {
                    logits.add(row);
                    all = Arrays.copyOf(all, all.length + 1);
                    all[all.length - 1] = argmax(row, c.eosTokenId());
                }
            }
        }
        return new Run(prompt, Arrays.copyOfRange(all, prompt.length, all.length), logits, grants);
    }

    private static float[] step(Gpt2Model model, KvPool pool, SeqChunk chunk) {
        try (PointerScope scope = new PointerScope()) {
            Tensor logits = model.forward(new ForwardBatch(List.of(chunk)), pool);
            if (!chunk.wantLogits()) {
                return null;
            }
            return new HostCopy().floats(logits.select(0, 0));   // [vocab]; a device-to-host copy on CUDA
        }
    }

    /** Index of the largest value, never {@code skip}; ties go to the lowest index. */
    public static int argmax(float[] v, int skip) {
        int best = skip == 0 ? 1 : 0;
        for (int i = 0; i < v.length; i++) {
            if (i != skip && v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
