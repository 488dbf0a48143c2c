package dev.kvlab.runtime;

import dev.kvlab.cache.CacheSpec;
import dev.kvlab.cache.KvCache;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.torch.ForwardBatch;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.model.torch.KvPool;
import dev.kvlab.model.torch.SeqChunk;
import dev.kvlab.scheduler.Request;
import dev.kvlab.scheduler.RequestId;
import dev.kvlab.scheduler.ScheduledChunk;
import dev.kvlab.scheduler.Scheduler;
import dev.kvlab.scheduler.SchedulerConfig;
import dev.kvlab.scheduler.StepPlan;
import dev.kvlab.scheduler.StepResult;
import dev.kvlab.scheduler.StopConditions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Serves many requests with one model: each {@link #step()} asks the scheduler for a plan (prefill chunks and
 * decode tokens mixed under the token budget), runs one forward pass over it, samples, and hands the tokens back.
 * Every step's tensors live in one {@code PointerScope}; the KV pool is owned here and freed by {@link #close}.
 * The model is borrowed: the caller closes it.
 */
public final class Engine implements AutoCloseable {
    private final Gpt2Model model;
    private final KvCache cache;
    private final KvPool pool;
    private final Scheduler scheduler;
    private final Sampling sampling;
    private final Map<RequestId, Live> live = new HashMap<>();
    private long promptTokens;
    private KvUsage usage;

    /** A request in flight: what was asked, what its caller wants as it runs, and when things happened. */
    private record Live(GenerationRequest request, LiveOptions options, Timeline timeline) {
    }

    public Engine(Gpt2Model model, EngineConfig config) {
        this.model = model;
        Gpt2Config c = model.config();
        int budget = KvBudget.tokens(config, c.nPositions());
        CacheSpec spec = new CacheSpec(c.nLayer(), c.nHead(), c.headDim(), model.dtype().bytes(), budget,
                c.nPositions());
        this.cache = KvCacheRegistry.create(config.strategy(), spec, config.cacheOptions());
        this.scheduler = new Scheduler(new SchedulerConfig(config.maxSeqs(), config.maxBatchedTokens()), cache);
        int block = config.cacheOptions().blockSize();
        int gatherLen = (c.nPositions() + block - 1) / block * block;
        this.pool = allocate(spec, gatherLen);
        this.sampling = new Sampling(c.eosTokenId());
        this.usage = KvUsage.empty(cache.memory());
    }

    /** The pool, checked against memory first; a failed native allocation is bad input (too big), one line. */
    private KvPool allocate(CacheSpec spec, int gatherLen) {
        long bytes = (long) spec.capacityTokens() * spec.bytesPerToken()
                + 2L * gatherLen * spec.bytesPerToken() / spec.numLayers();
        if (model.device().is_cpu()) {
            KvBudget.checkHostMemory(bytes, spec.capacityTokens(), spec.bytesPerToken());
        }
        try {
            return new KvPool(spec, gatherLen, model.device(), model.dtype());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot allocate the KV pool (" + bytes + " bytes, "
                    + spec.capacityTokens() + " tokens): " + String.valueOf(e.getMessage()).lines().findFirst()
                    .orElse("allocation failed"), e);
        }
    }

    public KvCache cache() {
        return cache;
    }

    /** Queues a request; arrival time is now. */
    public void submit(GenerationRequest r) {
        submit(r, LiveOptions.NONE);
    }

    /** Queues a request whose tokens (and log-probabilities, if asked) go to {@code options.listener()}. */
    public void submit(GenerationRequest r, LiveOptions options) {
        Timeline t = new Timeline(System.nanoTime());
        StopConditions stop = new StopConditions(r.maxNewTokens(), r.ignoreEos(), model.config().eosTokenId(),
                r.stopTokenIds());
        Request req = new Request(new RequestId(r.id()), r.promptIds(), stop, r.sampling());
        live.put(req.id(), new Live(r, options, t));
        sampling.open(req.id(), r.sampling());
        promptTokens += r.promptIds().length;
        scheduler.submit(req);
    }

    /** Cancels a waiting or running request; it finishes as cancelled. */
    public boolean cancel(String id) {
        return scheduler.cancel(new RequestId(id));
    }

    public boolean hasWork() {
        return scheduler.hasWork();
    }

    /** Runs one step; returns the requests that finished in it (tokens of running ones stream via {@link Live}). */
    public List<RequestResult> step() {
        List<RequestResult> done = new ArrayList<>();
        if (scheduler.hasWork()) {
            StepPlan plan = scheduler.schedule();
            usage = usage.observe(cache.memory());
            scheduler.update(plan, plan.isEmpty() ? StepResult.none() : run(plan));   // empty: all rejected
        }
        for (Request r : scheduler.drainFinished()) {
            done.add(result(r));
        }
        return done;
    }

    /** Submits all requests and steps until every one has finished; results in submission order. */
    public List<RequestResult> runToCompletion(List<GenerationRequest> requests) {
        Map<String, RequestResult> byId = new HashMap<>();
        runToCompletion(requests, r -> byId.put(r.id(), r));
        List<RequestResult> out = new ArrayList<>();
        for (GenerationRequest r : requests) {
            out.add(byId.get(r.id()));
        }
        return out;
    }

    /**
     * Submits all requests and steps until every one has finished, handing each result to {@code onFinish} in the
     * step it finishes (rejected ones included), so a caller can write it out at once.
     */
    public void runToCompletion(List<GenerationRequest> requests, Consumer<RequestResult> onFinish) {
        for (GenerationRequest r : requests) {
            submit(r);
        }
        int finished = 0;
        while (finished < requests.size()) {
            for (RequestResult r : step()) {
                onFinish.accept(r);
                finished++;
            }
        }
    }

    /** Forward pass and sampling for one plan; the step's tensors die with the scope. */
    private StepResult run(StepPlan plan) {
        List<SeqChunk> chunks = new ArrayList<>(plan.chunks().size());
        for (ScheduledChunk c : plan.chunks()) {
            chunks.add(SeqChunk.of(c.tokenIds(), c.firstPosition(), c.allocation(), c.samples()));
        }
        Sampling.Picks picks;
        Map<RequestId, float[]> rawRows;
        try (PointerScope scope = new PointerScope()) {
            Tensor logits = model.forward(new ForwardBatch(chunks), pool);   // [S, vocab]
            rawRows = Sampling.rowsOf(logits, plan, id -> live.get(id).options().wantsLogprobs());
            picks = sampling.sample(logits, plan, this::ignoresEos);
        }
        long now = System.nanoTime();
        picks.tokens().keySet().forEach(id -> live.get(id).timeline().token(now));
        picks.tokens().forEach((id, token) -> deliver(live.get(id), token, rawRows.get(id)));
        Map<RequestId, Integer> tokens = new HashMap<>(picks.tokens());
        for (RequestId id : picks.nonFinite()) {
            scheduler.fail(id, "the model's logits were NaN or infinite at step " + plan.step()
                    + " (non-finite activations: weights too large for the compute dtype?)");
            tokens.put(id, 0);   // ignored: the request has finished
        }
        return new StepResult(tokens);
    }

    /** Hands a sampled token to the request's listener, with its log-probabilities when asked. */
    private static void deliver(Live l, int token, float[] rawRow) {
        TokenListener listener = l.options().listener();
        if (listener != null) {
            listener.onToken(token, rawRow == null ? null : TokenLogprobs.of(rawRow, token, l.options().topLogprobs()));
        }
    }

    /** EOS is suppressed for ignore_eos requests and for those below their minimum length. */
    private boolean ignoresEos(RequestId id) {
        Live l = live.get(id);
        return l.request().ignoreEos() || l.timeline().numTokens() < l.options().minTokens();
    }

    private RequestResult result(Request r) {
        Live l = live.remove(r.id());
        sampling.close(r.id());
        l.timeline().finish(System.nanoTime());
        String reason = r.finishReason().map(f -> f.name().toLowerCase(Locale.ROOT)).orElse("unknown");
        return new RequestResult(r.id().value(), r.promptIds(), r.outputIds(), reason, r.finishDetail(),
                l.timeline(), r.numPreemptions());
    }

    /** Requests submitted and not yet admitted (or preempted and waiting to recompute). */
    public int numWaiting() {
        return scheduler.waitingIds().size();
    }

    /** Requests holding cache and computing. */
    public int numRunning() {
        return scheduler.runningIds().size();
    }

    public EngineStats stats() {
        var s = scheduler.stats();
        return new EngineStats(s.steps(), s.preemptions(), s.prefixHitTokens(), promptTokens, s.peakRunning(),
                usage);
    }

    @Override
    public void close() {
        pool.close();
    }
}
