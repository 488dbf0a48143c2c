package dev.kvlab.runtime;

import dev.kvlab.cache.AllocRequest;
import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.cache.KvCache;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.cache.SeqId;
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
 * Teacher forcing under a cache strategy: a known token sequence runs through the real {@link KvCache} in chunks,
 * as a prefill would, and the next-token logits of every position are kept. Each chunk attends to exactly what the
 * strategy holds when it runs (a ring's per-query window and sinks included), so the logits are those cached
 * decoding would see at each position; {@code CachedTeacherForcingTest} checks that chunked and token-by-token passes
 * agree.
 *
 * <p>Owns nothing between calls: each {@link #run} builds its cache and pool and closes them.
 *
 * @param strategy     registry name of the strategy
 * @param options      the strategy's options (window, sinks, block size, ...)
 * @param budgetTokens KV pool capacity in tokens; 0 = n_positions (one whole sequence)
 * @param chunkTokens  tokens per forward pass (1 = token-by-token decoding)
 */
public record CachedTeacherForcing(String strategy, CacheOptions options, int budgetTokens, int chunkTokens) {
    /** Default chunk: 64 tokens per pass. */
    public static final int DEFAULT_CHUNK = 64;

    public CachedTeacherForcing {
        if (!KvCacheRegistry.names().contains(strategy)) {
            throw new IllegalArgumentException("unknown cache strategy '" + strategy + "'; known: "
                    + String.join(", ", KvCacheRegistry.names()));
        }
        if (budgetTokens < 0 || chunkTokens < 1) {
            throw new IllegalArgumentException("budget must be >= 0 and chunk >= 1, got " + budgetTokens + ", "
                    + chunkTokens);
        }
    }

    /**
     * The logits of one pass.
     *
     * @param logits        next-token logits, row-major {@code [numTokens * vocab]}: row p predicts token p + 1
     * @param vocab         row width
     * @param peakLiveBytes the most K/V bytes the strategy held for the sequence during the pass
     */
    public record Pass(float[] logits, int vocab, long peakLiveBytes) {
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
        CacheSpec spec = new CacheSpec(c.nLayer(), c.nHead(), c.headDim(), model.dtype().bytes(), budget,
                c.nPositions());
        KvCache cache = KvCacheRegistry.create(strategy, spec, options);
        float[] out = new float[ids.length * c.vocabSize()];
        long peak = 0;
        SeqId seq = new SeqId(0);
        try (KvPool pool = new KvPool(spec.withCapacityTokens(cache.poolSlots()), model.device(), model.dtype())) {
            for (int start = 0; start < ids.length; start += chunkTokens) {
                int end = Math.min(ids.length, start + chunkTokens);
                int[] known = Arrays.copyOf(ids, end);
                Allocation a = cache.allocate(new AllocRequest(seq, known, end - start, ids.length));
                if (a instanceof Allocation.NoRoom no) {
                    throw new IllegalArgumentException(strategy + " cannot hold " + ids.length + " tokens in a KV "
                            + "budget of " + budget + " tokens: " + no.reason());
                }
                SeqChunk chunk = SeqChunk.of(known, start, (Allocation.Granted) a, true);
                copyRows(model, chunk, pool, end - start, out, start * c.vocabSize());
                peak = Math.max(peak, cache.memory().liveBytes());
            }
        } finally {
            cache.free(seq);
        }
        return new Pass(out, c.vocabSize(), peak);
    }

    /** Runs one chunk and copies its last {@code rows} logit rows (the chunk's new tokens) to {@code out[at...]}. */
    private static void copyRows(Gpt2Model model, SeqChunk chunk, KvPool pool, int rows, float[] out, int at) {
        try (PointerScope scope = new PointerScope()) {
            Tensor all = model.forwardAllRows(new ForwardBatch(List.of(chunk)), pool);   // [chunk rows, vocab]
            float[] mine = new HostCopy().floats(all.narrow(0, all.size(0) - rows, rows));  // [rows * vocab]
            System.arraycopy(mine, 0, out, at, mine.length);
        }
    }
}
