package dev.kvlab.runtime;

import dev.kvlab.cache.AllocRequest;
import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.cache.KvCache;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.cache.SeqId;
import dev.kvlab.cache.StepStats;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.torch.ForwardBatch;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.model.torch.HostCopy;
import dev.kvlab.model.torch.KvPool;
import dev.kvlab.model.torch.SeqChunk;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Teacher forcing under a cache strategy: a known token sequence runs through the real {@link KvCache} as a request
 * would, and the next-token logits of every position are kept. Its first {@code promptTokens} tokens are the prompt,
 * prefilled in chunks of {@code chunkTokens}; every later token is one decode step, as generation computes it (a
 * strategy that stores no K/V, {@code none}, recomputes everything at every step whatever the steps, so it runs in
 * chunks throughout). After
 * each step the strategy gets the attention statistics it asked for ({@link KvCache#observe}), so an eviction policy
 * evicts exactly as in the engine (SnapKV compresses at the end of the prompt, H2O and TOVA after every chunk and
 * decode step). Each chunk attends to exactly what the strategy holds when it runs (a ring's per-query window and
 * sinks included); {@code CachedTeacherForcingTest} checks chunked against token-by-token passes and a policy's
 * decode logits against the engine's on the same tokens.
 *
 * <p>Owns nothing between calls: each {@link #run} builds its cache and pool (in the strategy's storage) and closes
 * them.
 *
 * @param strategy     registry name of the strategy
 * @param options      the strategy's options (window, sinks, block size, budget, ...)
 * @param budgetTokens KV pool capacity in tokens; 0 = n_positions (one whole sequence)
 * @param chunkTokens  tokens per prefill chunk (1 = token-by-token decoding throughout)
 * @param promptTokens tokens of the sequence that are its prompt (prefilled in chunks); the rest is decoded one token
 *                     per step; 0 = the whole sequence is prompt
 */
public record CachedTeacherForcing(String strategy, CacheOptions options, int budgetTokens, int chunkTokens,
                                   int promptTokens) {
    /** Default chunk: 64 tokens per pass. */
    public static final int DEFAULT_CHUNK = 64;

    public CachedTeacherForcing {
        if (!KvCacheRegistry.names().contains(strategy)) {
            throw new IllegalArgumentException("unknown cache strategy '" + strategy + "'; known: "
                    + String.join(", ", KvCacheRegistry.names()));
        }
        if (budgetTokens < 0 || chunkTokens < 1 || promptTokens < 0) {
            throw new IllegalArgumentException("budget and prompt must be >= 0 and chunk >= 1, got " + budgetTokens
                    + ", " + promptTokens + ", " + chunkTokens);
        }
    }

    /** The whole sequence is prompt, prefilled in chunks of {@code chunkTokens}. */
    public CachedTeacherForcing(String strategy, CacheOptions options, int budgetTokens, int chunkTokens) {
        this(strategy, options, budgetTokens, chunkTokens, 0);
    }

    /**
     * The logits of one pass.
     *
     * @param logits        next-token logits, row-major {@code [numTokens * vocab]}: row p predicts token p + 1
     * @param vocab         row width
     * @param peakLiveBytes the most K/V bytes the strategy held for the sequence during a step (a policy: up to
     *                      budget + the step's chunk)
     * @param peakHeldBytes the most K/V bytes it held between steps, after its evictions (a policy: its budget)
     */
    public record Pass(float[] logits, int vocab, long peakLiveBytes, long peakHeldBytes) {
        public int numTokens() {
            return logits.length / vocab;
        }
    }

    /**
     * Runs {@code ids} through the strategy.
     *
     * @param ids 1..n_positions token ids
     * @throws IllegalArgumentException if the sequence is too long or the strategy has no room for it in the budget
     */
    public Pass run(Gpt2Model model, int[] ids) {
        Gpt2Config c = model.config();
        if (ids.length == 0 || ids.length > c.nPositions()) {
            throw new IllegalArgumentException("teacher forcing needs 1.." + c.nPositions() + " tokens, got "
                    + ids.length);
        }
        int budget = budgetTokens > 0 ? budgetTokens : c.nPositions();
        int prompt = promptTokens == 0 ? ids.length : Math.min(promptTokens, ids.length);
        CacheSpec spec = new CacheSpec(c.nLayer(), c.nHead(), c.headDim(), model.dtype().bytes(), budget,
                c.nPositions());
        KvCache cache = KvCacheRegistry.create(strategy, spec, options);
        float[] out = new float[ids.length * c.vocabSize()];
        long peak = 0;
        long held = 0;
        SeqId seq = new SeqId(0);
        // a strategy that stores nothing recomputes every step: its logits do not depend on where steps end, so its
        // decode steps run in chunks too (one step per token would cost O(n^2) forwards for the same numbers)
        boolean stores = cache.poolSlots() > 0;
        try (KvPool pool = new KvPool(spec.withCapacityTokens(cache.poolSlots()), cache.storage(), model.device(),
                model.dtype())) {
            for (int start = 0, end; start < ids.length; start = end) {
                end = start < prompt ? Math.min(prompt, start + chunkTokens)
                        : stores ? start + 1 : Math.min(ids.length, start + chunkTokens);
                int[] known = Arrays.copyOf(ids, end);
                Allocation a = cache.allocate(new AllocRequest(seq, known, end - start, ids.length, prompt));
                if (a instanceof Allocation.NoRoom no) {
                    throw new IllegalArgumentException(strategy + " cannot hold " + ids.length + " tokens in a KV "
                            + "budget of " + budget + " tokens: " + no.reason());
                }
                peak = Math.max(peak, cache.memory().liveBytes());
                SeqChunk chunk = SeqChunk.of(known, start, (Allocation.Granted) a, true);
                cache.observe(seq, copyRows(model, chunk, pool, end - start, out, start * c.vocabSize()));
                held = Math.max(held, cache.memory().liveBytes());
            }
        } finally {
            cache.free(seq);
        }
        return new Pass(out, c.vocabSize(), peak, held);
    }

    /**
     * Runs one chunk, copies its last {@code rows} logit rows (the chunk's new tokens) to {@code out[at...]} and
     * returns the statistics its grant asked for.
     */
    private static StepStats copyRows(Gpt2Model model, SeqChunk chunk, KvPool pool, int rows, float[] out, int at) {
        StepStats[] stats = new StepStats[1];
        try (PointerScope scope = new PointerScope()) {
            Tensor all = model.forwardAllRows(new ForwardBatch(List.of(chunk)), pool, stats);   // [chunk rows, vocab]
            float[] mine = new HostCopy().floats(all.narrow(0, all.size(0) - rows, rows));      // [rows * vocab]
            System.arraycopy(mine, 0, out, at, mine.length);
        }
        return stats[0];
    }
}
