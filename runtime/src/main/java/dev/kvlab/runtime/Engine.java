package dev.kvlab.runtime;

import dev.kvlab.cache.CacheSpec;
import dev.kvlab.cache.KvCache;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.cache.StepStats;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.torch.ForwardBatch;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.model.torch.HostCopy;
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
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Serves many requests with one model: each {@link #step()} asks the scheduler for a plan (prefill chunks and
 * decode tokens mixed under the token budget), runs one forward pass over it, samples, and hands the tokens back.
 * Every step's tensors live in one {@code PointerScope}; the KV pool is owned here and freed by {@link #close}.
 * The model is borrowed: the caller closes it.
 *
 * <p>Library use (see docs/JAVA_API.md): {@link #submit(GenerationRequest, TokenListener)} queues a request whose
 * tokens stream to the listener as they are sampled; {@link #step()} (or {@link #runToCompletion}) drives the work;
 * {@link #cancel} ends a request early; {@link #stats()} reads the counters. Not thread-safe: one thread submits,
 * cancels and steps (a server hands requests to that thread through a queue).
 *
 * <p>Per-request state lives in one place: a {@link LiveRequest} attached to the scheduler's request.
 */
public final class Engine implements AutoCloseable {
    private final Gpt2Model model;
    private final KvCache cache;
    private final KvPool pool;
    private final Scheduler scheduler;
    private final Sampling sampling;
    private final HostCopy hostCopy = new HostCopy();   // every device-to-host copy of the steps, counted
    private final boolean batchInvariant;
    /** Test hook: gets every sampling row's raw logits (request id, {@code [vocab]}); null = none. */
    private BiConsumer<String, float[]> logitsTap;
    private long promptTokens;
    private KvUsage usage;

    public Engine(Gpt2Model model, EngineConfig config) {
        this.model = model;
        Gpt2Config c = model.config();
        int budget = KvBudget.tokens(config, c.nPositions());
        CacheSpec spec = new CacheSpec(c.nLayer(), c.nHead(), c.headDim(), model.dtype().bytes(), budget,
                c.nPositions());
        this.cache = KvCacheRegistry.create(config.strategy(), spec, config.cacheOptions());
        this.scheduler = new Scheduler(new SchedulerConfig(config.maxSeqs(), config.maxBatchedTokens()), cache);
        this.pool = allocate(spec.withCapacityTokens(cache.poolSlots()));
        this.sampling = new Sampling(c.eosTokenId());
        this.batchInvariant = config.batchInvariant();
        this.usage = KvUsage.empty(cache.memory());
    }

    /** The pool, checked against memory first; a failed native allocation is bad input (too big), one line. */
    private KvPool allocate(CacheSpec spec) {
        long bytes = KvPool.bytesFor(spec);
        if (model.device().is_cpu()) {
            KvBudget.checkHostMemory(bytes, spec.capacityTokens(), spec.bytesPerToken());
        }
        try {
            return new KvPool(spec, cache.storage(), model.device(), model.dtype());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot allocate the KV pool (" + bytes + " bytes, "
                    + spec.capacityTokens() + " tokens): " + String.valueOf(e.getMessage()).lines().findFirst()
                    .orElse("allocation failed"), e);
        }
    }

    /** For tests: {@code tap} receives each step's raw logits row of every sampling request, before sampling. */
    void tapLogits(BiConsumer<String, float[]> tap) {
        this.logitsTap = tap;
    }

    public KvCache cache() {
        return cache;
    }

    /** Queues a request whose output nobody listens to (read it from {@link #step()}); arrival time is now. */
    public void submit(GenerationRequest r) {
        submit(r, LiveOptions.NONE);
    }

    /** Queues a request whose tokens go to {@code listener} as they are sampled (see {@link TokenListener}). */
    public void submit(GenerationRequest r, TokenListener listener) {
        submit(r, new LiveOptions(listener, -1, 0));
    }

    /**
     * Queues a request; arrival time is now. Its tokens (and log-probabilities, if asked) go to
     * {@code options.listener()} right after the step that sampled each, and its result to
     * {@link TokenListener#onFinish} in the step it finishes (also returned by that step).
     *
     * @throws IllegalArgumentException when a request with the same id is still in flight
     */
    public void submit(GenerationRequest r, LiveOptions options) {
        scheduler.submit(toRequest(r, options));
        promptTokens += r.promptIds().length;
    }

    /**
     * Whether {@link #submitFork} can run {@code samples} samples of one prompt as forks: the strategy shares a
     * sequence's blocks by reference ({@link KvCache#canFork}: paged) and the samples fit the seats
     * ({@code maxSeqs}). Otherwise submit them as independent requests.
     */
    public boolean canFork(int samples) {
        return cache.canFork() && samples <= scheduler.config().maxSeqs();
    }

    /**
     * Queues {@code child} as another sample of the prompt of {@code parentId}, submitted just before (nothing may
     * have stepped in between): the prompt is computed once, the child samples its first token from the same logits
     * (from its own seeded stream) and then shares the prompt's K/V by reference until it writes (copy-on-write).
     * Its tokens and result are its own, exactly as if it had been submitted alone; cancelling the parent before its
     * first token cancels its pending children too.
     *
     * @throws IllegalArgumentException when the strategy cannot fork, the parent has started, the prompts differ or
     *                                  the samples exceed {@code maxSeqs} (see {@link #canFork})
     */
    public void submitFork(String parentId, GenerationRequest child, LiveOptions options) {
        scheduler.submitFork(toRequest(child, options), new RequestId(parentId));
        promptTokens += child.promptIds().length;
    }

    /**
     * Whether {@link #submitFork} takes another sample of {@code parentId}'s prompt now: it is waiting with its prompt
     * not yet computed (not rejected at submission, say), the strategy forks, and the seats suffice.
     */
    public boolean isForkable(String parentId) {
        return scheduler.acceptsForkOf(new RequestId(parentId));
    }

    private Request toRequest(GenerationRequest r, LiveOptions options) {
        StopConditions stop = new StopConditions(r.maxNewTokens(), r.ignoreEos(), model.config().eosTokenId(),
                r.stopTokenIds());
        LiveRequest state = new LiveRequest(r, options, System.nanoTime());
        return new Request(new RequestId(r.id()), r.promptIds(), stop, state);
    }

    /**
     * Cancels a waiting or running request: it finishes as {@link dev.kvlab.scheduler.FinishReason#CANCELLED} in the
     * next {@link #step()}, with the tokens it had. False for an unknown or finished id.
     */
    public boolean cancel(String id) {
        return scheduler.cancel(new RequestId(id));
    }

    /**
     * Whether some request has not been handed back by {@link #step()} yet (waiting, running, or finished, e.g.
     * cancelled or rejected, since the last step): {@code while (engine.hasWork()) engine.step();} delivers all.
     */
    public boolean hasWork() {
        return scheduler.hasWork() || scheduler.hasFinished();
    }

    /**
     * Runs one step; returns the requests that finished in it, after handing each new token to its listener and
     * each result to {@link TokenListener#onFinish}.
     */
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
        StepStats[] stats = new StepStats[chunks.size()];
        try (PointerScope scope = new PointerScope()) {
            Tensor logits = model.forward(new ForwardBatch(chunks, batchInvariant), pool, stats);   // [S, vocab]
            if (logitsTap != null) {
                tap(logits, plan);
            }
            picks = sampling.sample(hostCopy, logits, plan);
        }
        for (int i = 0; i < stats.length; i++) {
            cache.observe(plan.chunks().get(i).seq(), stats[i]);   // before update: a finished request is freed there
        }
        long now = System.nanoTime();
        for (ScheduledChunk c : plan.chunks()) {
            Integer token = picks.tokens().get(c.requestId());
            if (c.samples() && token != null) {
                Sampling.live(c).token(token, now, picks.logprobs().get(c.requestId()));
            }
            for (ScheduledChunk.Fork f : c.forks()) {
                Integer forkToken = picks.tokens().get(f.requestId());
                if (forkToken != null) {
                    ((LiveRequest) f.attachment()).token(forkToken, now, picks.logprobs().get(f.requestId()));
                }
            }
        }
        Map<RequestId, Integer> tokens = new HashMap<>(picks.tokens());
        for (RequestId id : picks.nonFinite()) {
            scheduler.fail(id, "the model's logits were NaN or infinite at step " + plan.step()
                    + " (non-finite activations: weights too large for the compute dtype?)");
            tokens.put(id, 0);   // ignored: the request has finished
        }
        return new StepResult(tokens);
    }

    /** Hands the tap each sampling row before sampling; its copies are the test's, not counted with the steps'. */
    private void tap(Tensor logits, StepPlan plan) {
        List<ScheduledChunk> rows = Sampling.sampling(plan);
        HostCopy own = new HostCopy();
        for (int i = 0; i < rows.size(); i++) {
            float[] row = own.floats(logits.select(0, i));   // [vocab]
            logitsTap.accept(rows.get(i).requestId().value(), row);
            for (ScheduledChunk.Fork f : rows.get(i).forks()) {
                logitsTap.accept(f.requestId().value(), row);   // a fork child samples from its parent's row
            }
        }
    }

    private static RequestResult result(Request r) {
        LiveRequest l = (LiveRequest) r.attachment();
        RequestResult result = new RequestResult(r.id().value(), r.promptIds(), r.outputIds(),
                r.finishReason().orElseThrow(), r.finishDetail(), l.timeline, r.numPreemptions());
        l.finished(result);
        return result;
    }

    /**
     * Forgets the cache's prefixes (vLLM's {@code reset_prefix_cache}): later prompts compute what earlier ones left in
     * the prefix cache; running requests keep their K/V. Benchmarks call it between runs (an in-process bench builds a
     * fresh engine per run, which starts empty too).
     */
    public void resetPrefixCache() {
        cache.resetPrefixCache();
    }

    /**
     * Requests submitted and not yet admitted (or preempted and waiting to recompute), fork children waiting for their
     * parent's prompt included.
     */
    public int numWaiting() {
        return scheduler.waitingIds().size() + scheduler.numPendingForks();
    }

    /** Requests holding cache and computing. */
    public int numRunning() {
        return scheduler.runningIds().size();
    }

    /** The device-to-host copies the steps made so far (see {@link HostCopy}). */
    public HostCopy.Count hostCopies() {
        return hostCopy.count();
    }

    public EngineStats stats() {
        var s = scheduler.stats();
        return new EngineStats(s.steps(), s.scheduledTokens(), s.preemptions(), s.prefixHitTokens(), promptTokens,
                s.peakRunning(), usage);
    }

    @Override
    public void close() {
        pool.close();
    }
}
