package dev.kvlab.scheduler;

import dev.kvlab.cache.AllocRequest;
import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.KvCache;
import dev.kvlab.cache.SeqId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Continuous batching (iteration-level scheduling, Orca / vLLM V1) over one {@link KvCache}.
 *
 * <p>One model, no phases (vLLM V1's NOTE(woosuk)): each step gives each request
 * {@code numNewTokens = min(numTokens - numComputedTokens, budget left)}, running requests first in arrival order,
 * then waiting ones while fewer than {@code maxSeqs} run. A long prompt therefore spans several steps (chunked
 * prefill), and prompt chunks share a step with one-token decodes. The loop is
 * {@code plan = schedule(); result = model(plan); update(plan, result); drainFinished()}.
 *
 * <ul>
 *   <li><b>Admission</b> is strict FCFS: when the front waiting request gets no room, nobody behind it is admitted.
 *   <li><b>Preemption</b> (recompute): when a running request gets no room, the most recently arrived running
 *       request is preempted: its cache is freed, its output kept, and it goes back to the front of the queue to
 *       recompute prompt + output later. If that victim is the request itself, it waits. No request is admitted in
 *       a step that preempted (it would thrash), unless nothing is left running.
 *   <li><b>Rejection</b>: a request whose prompt + max new tokens exceeds the model's positions is rejected at
 *       submission. One that gets no room while no other request holds cache, or that asks for more slots than the
 *       whole pool, can never run: it is rejected too, keeping the output it has. The oldest running request is
 *       thus never preempted, so every step makes progress and the engine cannot hang.
 *   <li><b>Forks</b> ({@link #submitFork}, on a cache that {@link KvCache#canFork}): n samples of one prompt. The
 *       children wait on their parent, which is admitted only when seats for all of them are free; the step that
 *       computes the end of its prompt samples every child's first token from the same last position, and
 *       {@link #update} forks them off the parent's cache (the prompt's blocks shared by reference, its partly filled
 *       last block copied by the first sample that writes into it). From then on each runs, is preempted and
 *       finishes on its own. A parent that ends before its prompt is computed (cancelled, rejected, failed) takes
 *       its pending children with it, with the same reason.
 * </ul>
 *
 * <p>Invariants ({@link #checkInvariants()}): every submitted request is in exactly one of waiting, running,
 * pending on a live parent (fork children) and finished; running and then waiting requests, read front to back, are
 * in arrival order (FCFS); {@code running + pending forks of running <= maxSeqs}; a pending fork holds no cache and
 * its parent has no output yet; a step plans at most {@code maxBatchedTokens}; a live request has
 * {@code 0 <= numComputedTokens < numTokens}; a running request's cache has seen exactly its computed tokens
 * (plus its chunk while a step is in flight); a waiting or finished request holds no cache; with no live request,
 * the cache reserves nothing.
 *
 * <p>Not thread-safe: the engine loop calls it from one thread.
 */
public final class Scheduler {

    private final SchedulerConfig config;
    private final KvCache cache;
    /** Front to back: preempted requests (oldest first), then new arrivals in order. */
    private final ArrayDeque<Request> waiting = new ArrayDeque<>();
    /** In arrival order; each holds cache. */
    private final List<Request> running = new ArrayList<>();
    /** Waiting and running requests by id. */
    private final Map<RequestId, Request> live = new HashMap<>();
    /** Finished since the last {@link #drainFinished()}, in finishing order. */
    private final List<Request> finished = new ArrayList<>();
    private long nextArrival;
    /** The last plan, and its chunks' requests, until {@link #update} closes it. */
    private StepPlan inFlight;
    private List<Request> inFlightRequests = List.of();
    private long steps;
    private long scheduledTokens;
    private long preemptions;
    private long discardedTokens;
    private long prefixHitTokens;
    private int peakRunning;

    /** @param cache an empty cache; the scheduler owns its sequences from now on */
    public Scheduler(SchedulerConfig config, KvCache cache) {
        if (cache.memory().reservedTokens() != 0) {
            throw new IllegalArgumentException("the cache must start empty; it reserves "
                    + cache.memory().reservedTokens() + " tokens");
        }
        this.config = Objects.requireNonNull(config, "config");
        this.cache = cache;
    }

    /**
     * Queues a request behind every earlier one. A request longer than the model's context (prompt + max new
     * tokens > {@code cache.spec().maxPositions()}) or than the cache can ever hold ({@link KvCache#canEverHold}) is
     * finished at once as {@link FinishReason#REJECTED}.
     *
     * @throws IllegalArgumentException when it was submitted before, or a live request has its id
     */
    public void submit(Request request) {
        if (request.isSubmitted()) {
            throw new IllegalArgumentException(request.id() + " was already submitted");
        }
        if (live.containsKey(request.id())) {
            throw new IllegalArgumentException("a live request already has id " + request.id());
        }
        if (admitted(request)) {
            waiting.addLast(request);
        }
    }

    /**
     * Gives {@code r} its arrival and sequence, then either rejects it (it could never run: finished, REJECTED) or
     * makes it live; returns whether it is live.
     */
    private boolean admitted(Request r) {
        r.submitted(nextArrival, new SeqId(nextArrival++));
        String never = neverRunnable(r);
        if (never != null) {
            r.finished(FinishReason.REJECTED, never);
            finished.add(r);
            return false;
        }
        live.put(r.id(), r);
        return true;
    }

    /**
     * Queues {@code child} as another sample of {@code parentId}'s prompt (see Forks in the class Javadoc): it
     * shares the parent's prompt computation and K/V instead of computing them. The parent must be waiting and not yet
     * computed (submit the children right after it), and all its samples must fit the seats.
     *
     * @throws IllegalArgumentException when the cache cannot fork, the parent is not a waiting request without
     *                                  output, the prompts differ, the samples exceed {@code maxSeqs}, or the id is
     *                                  taken (as {@link #submit})
     */
    public void submitFork(Request child, RequestId parentId) {
        String refusal = forkRefusal(parentId);
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
        Request parent = live.get(parentId);
        if (!java.util.Arrays.equals(child.promptIds(), parent.promptIds())) {
            throw new IllegalArgumentException(child.id() + " forks " + parentId + " but their prompts differ");
        }
        if (child.isSubmitted() || live.containsKey(child.id())) {
            throw new IllegalArgumentException(child.id() + " was already submitted or a live request has its id");
        }
        if (admitted(child)) {
            child.waitForParent(parent);
        }
    }

    /** Whether {@link #submitFork} takes one more sample of {@code parentId}'s prompt now (same prompt assumed). */
    public boolean acceptsForkOf(RequestId parentId) {
        return forkRefusal(parentId) == null;
    }

    /** Why {@link #submitFork} refuses one more child of {@code parentId}, or null. */
    private String forkRefusal(RequestId parentId) {
        Request parent = live.get(parentId);
        if (!cache.canFork()) {
            return "the " + cache.name() + " cache cannot fork sequences";
        }
        if (parent == null || parent.status() != Request.Status.WAITING || parent.isPendingFork()
                || parent.numOutputTokens() > 0) {
            return "fork parent " + parentId + " must be a waiting request whose prompt is not computed yet; it is "
                    + parent;
        }
        if (parent.seats() + 1 > config.maxSeqs()) {
            return parent.seats() + 1 + " samples of " + parentId + " exceed max seqs " + config.maxSeqs();
        }
        return null;
    }

    /** Why {@code request} can never run (longer than the context, or than the cache can ever hold), or null. */
    private String neverRunnable(Request request) {
        int limit = cache.spec().maxPositions();
        if (request.maxTokens() > limit) {
            return "prompt " + request.promptLength() + " + max new tokens " + request.stop().maxNewTokens()
                    + " exceeds the model's " + limit + " positions";
        }
        if (!cache.canEverHold(request.maxTokens())) {
            return "it needs KV for " + request.maxTokens() + " tokens but the " + cache.name() + " cache can never "
                    + "hold that (pool: " + cache.spec().capacityTokens() + " token slots; raise --kv-budget-tokens)";
        }
        return null;
    }

    /**
     * Plans the next step. Never empty while {@link #hasWork()}; each call must be followed by {@link #update}.
     *
     * @throws IllegalStateException when the previous plan was not updated yet
     */
    public StepPlan schedule() {
        if (inFlight != null) {
            throw new IllegalStateException("schedule() before update() of step " + inFlight.step());
        }
        PlanBuilder step = new PlanBuilder(config.maxBatchedTokens());
        scheduleRunning(step);
        if (step.preempted.isEmpty() || running.isEmpty()) {
            admitWaiting(step);
        }
        if (step.chunks.isEmpty() && hasWork()) {
            // Unreachable by the rules above; a guard so that a broken cache cannot spin the engine forever.
            throw new IllegalStateException("no request could be scheduled: " + waiting.size() + " waiting, "
                    + running.size() + " running, cache " + cache.memory());
        }
        peakRunning = Math.max(peakRunning, running.size());
        inFlight = new StepPlan(steps++, step.chunks, step.preempted);
        inFlightRequests = step.requests;
        scheduledTokens += inFlight.numScheduledTokens();
        return inFlight;
    }

    /**
     * Closes a step: advances each chunk's computed tokens, appends sampled tokens, applies stop conditions and frees
     * the cache of requests that finished. Requests cancelled while the step ran are skipped.
     *
     * @throws IllegalStateException    when {@code plan} is not the plan of the last {@link #schedule()}
     * @throws IllegalArgumentException when the result does not hold exactly one token per sampling chunk (nothing
     *                                  is changed then)
     */
    public void update(StepPlan plan, StepResult result) {
        if (plan == null || plan != inFlight) {
            throw new IllegalStateException("update() expects the plan of the last schedule()"
                    + (inFlight == null ? ", and none is in flight" : " (step " + inFlight.step() + ")"));
        }
        plan.requireMatches(result);
        for (int i = 0; i < plan.chunks().size(); i++) {
            ScheduledChunk chunk = plan.chunks().get(i);
            Request request = inFlightRequests.get(i);
            if (!request.isFinished()) {
                fork(request, chunk, result);   // before apply: the parent may finish on its first token
                apply(request, chunk, result);
            }
        }
        running.removeIf(Request::isFinished);
        inFlight = null;
        inFlightRequests = List.of();
    }

    /**
     * Cancels a waiting or running request: frees its cache and finishes it as {@link FinishReason#CANCELLED}. May be
     * called while a step is in flight: the step's token for it is then ignored (its freed slots are handed out again
     * only by the next {@link #schedule()}, after that step's writes).
     *
     * @return false when no live request has this id
     */
    public boolean cancel(RequestId id) {
        return abort(id, FinishReason.CANCELLED, "cancelled by the caller");
    }

    /**
     * Fails a waiting or running request: like {@link #cancel}, but it finishes as {@link FinishReason#ERROR} with
     * {@code detail} (why it failed). The other requests are not affected.
     *
     * @return false when no live request has this id
     */
    public boolean fail(RequestId id, String detail) {
        return abort(id, FinishReason.ERROR, detail);
    }

    private boolean abort(RequestId id, FinishReason reason, String detail) {
        Request request = live.get(id);
        if (request == null) {
            return false;
        }
        if (request.isPendingFork()) {
            request.leaveParent();
        } else if (request.status() == Request.Status.RUNNING) {
            running.remove(request);
        } else {
            waiting.remove(request);
        }
        finish(request, reason, detail);
        return true;
    }

    /** Requests finished since the last call, in finishing order; each finished request appears exactly once. */
    public List<Request> drainFinished() {
        List<Request> out = List.copyOf(finished);
        finished.clear();
        return out;
    }

    /** Whether some request is waiting or running. */
    public boolean hasWork() {
        return !live.isEmpty();
    }

    /** Whether some finished request waits for {@link #drainFinished()}. */
    public boolean hasFinished() {
        return !finished.isEmpty();
    }

    /** A live (waiting or running) request by id. */
    public Optional<Request> find(RequestId id) {
        return Optional.ofNullable(live.get(id));
    }

    /** Waiting requests, front first. */
    public List<RequestId> waitingIds() {
        return waiting.stream().map(Request::id).toList();
    }

    /** Fork children waiting for their parents' prompts (in no queue: not in {@link #waitingIds()}). */
    public int numPendingForks() {
        int n = 0;
        for (Request r : running) {
            n += r.pendingForks().size();
        }
        for (Request r : waiting) {
            n += r.pendingForks().size();
        }
        return n;
    }

    /** Running requests, in arrival order. */
    public List<RequestId> runningIds() {
        return running.stream().map(Request::id).toList();
    }

    public SchedulerConfig config() {
        return config;
    }

    public KvCache cache() {
        return cache;
    }

    public SchedulerStats stats() {
        return new SchedulerStats(steps, scheduledTokens, preemptions, discardedTokens, prefixHitTokens, peakRunning);
    }

    // ---- scheduling

    /** Gives each running request, oldest first, its next chunk; preempts from the newest end when out of room. */
    private void scheduleRunning(PlanBuilder step) {
        int i = 0;
        while (i < running.size() && step.budget > 0) {
            Request request = running.get(i);
            int n = Math.min(request.numTokens() - request.numComputedTokens(), step.budget);
            int[] tokenIds = request.tokenIds(request.numComputedTokens() + n);
            Optional<Allocation.Granted> granted = allocateOrPreempt(request, tokenIds, n, step);
            if (granted.isPresent()) {
                step.add(request, tokenIds, n, granted.get());
                i++;
            } // else it left running (preempted or rejected) and index i holds the next one, if any
        }
    }

    /** Allocates, preempting the newest running requests until it fits; empty when {@code request} had to go. */
    private Optional<Allocation.Granted> allocateOrPreempt(Request request, int[] tokenIds, int n, PlanBuilder step) {
        while (true) {
            Allocation answer = cache.allocate(new AllocRequest(request.seq(), tokenIds, n, request.maxTokens(),
                    request.promptIds().length));
            if (answer instanceof Allocation.Granted granted) {
                return Optional.of(granted);
            }
            Allocation.NoRoom noRoom = (Allocation.NoRoom) answer;
            if (neverFits(noRoom)) {
                running.remove(request);
                reject(request, noRoom);
                return Optional.empty();
            }
            Request victim = running.remove(running.size() - 1);
            if (victim != request) {
                preempt(victim, step);
            } else if (running.isEmpty()) {
                reject(request, noRoom);
                return Optional.empty();
            } else {
                preempt(request, step);
                return Optional.empty();
            }
        }
    }

    /** Admits waiting requests front first while budget, seats (a fork parent's children's too) and room last. */
    private void admitWaiting(PlanBuilder step) {
        while (step.budget > 0 && !waiting.isEmpty()
                && seatsTaken() + waiting.peekFirst().seats() <= config.maxSeqs()) {
            Request request = waiting.peekFirst();
            int[] known = request.tokenIds(request.numTokens());
            int attached = cache.attachPrefix(request.seq(), known);
            if (attached < 0 || attached >= known.length) {
                throw new IllegalStateException(cache.name() + ".attachPrefix returned " + attached + " for "
                        + request.id() + " with " + known.length + " tokens; expected [0, " + known.length + ")");
            }
            int n = Math.min(known.length - attached, step.budget);
            int[] tokenIds = request.tokenIds(attached + n);
            Allocation answer = cache.allocate(new AllocRequest(request.seq(), tokenIds, n, request.maxTokens(),
                    request.promptIds().length));
            if (answer instanceof Allocation.NoRoom noRoom) {
                cache.free(request.seq()); // drops the attached prefix too
                if (!running.isEmpty() && !neverFits(noRoom)) {
                    return; // strict FCFS: nobody overtakes the front request
                }
                waiting.pollFirst();
                reject(request, noRoom);
                continue;
            }
            waiting.pollFirst();
            request.admitted(attached);
            prefixHitTokens += attached;
            running.add(request);
            step.add(request, tokenIds, n, (Allocation.Granted) answer);
        }
    }

    /** Seats of the running requests and of the fork children that will join them. */
    int seatsTaken() {
        int seats = 0;
        for (Request r : running) {
            seats += r.seats();
        }
        return seats;
    }

    private void preempt(Request victim, PlanBuilder step) {
        cache.free(victim.seq());
        discardedTokens += victim.numComputedTokens();
        preemptions++;
        victim.preempted();
        waiting.addFirst(victim);
        step.preempted.add(victim.id());
    }

    /** The cache asked for more slots than its whole pool: waiting or preempting cannot help. */
    private boolean neverFits(Allocation.NoRoom noRoom) {
        return noRoom.neededTokens() > cache.spec().capacityTokens();
    }

    /** Finishes a request the cache can never hold: no room while it is alone in the cache, or {@link #neverFits}. */
    private void reject(Request request, Allocation.NoRoom noRoom) {
        finish(request, FinishReason.REJECTED, "the KV cache (" + cache.name() + ", " + cache.spec().capacityTokens()
                + " slots) cannot hold it even alone: at " + request.numTokens() + " tokens it needed "
                + noRoom.neededTokens() + " slots (" + noRoom.reason() + ")");
    }

    /**
     * Frees the request's cache and moves it to finished; the caller has taken it out of waiting, running or its
     * parent's pending forks. Fork children still waiting for its prompt end with it.
     */
    private void finish(Request request, FinishReason reason, String detail) {
        cache.free(request.seq());
        request.finished(reason, detail);
        live.remove(request.id());
        finished.add(request);
        for (Request child : List.copyOf(request.pendingForks())) {
            child.leaveParent();
            finish(child, reason, "its fork parent " + request.id() + " ended before its prompt was computed: "
                    + detail);
        }
    }

    // ---- update

    /**
     * The chunk computed the end of {@code parent}'s prompt: each pending fork child gets the parent's cache by
     * reference ({@link KvCache#fork}), its computed prompt, its own first token, and a place among the running.
     */
    private void fork(Request parent, ScheduledChunk chunk, StepResult result) {
        if (chunk.forks().isEmpty()) {
            return;
        }
        for (Request child : List.copyOf(parent.pendingForks())) {
            child.leaveParent();
            cache.fork(parent.seq(), child.seq());
            child.admitted(chunk.endPosition());
            int at = running.size();
            while (at > 0 && running.get(at - 1).arrival() > child.arrival()) {
                at--;
            }
            running.add(at, child);
            append(child, result.sampledTokens().get(child.id()));
        }
    }

    private void apply(Request request, ScheduledChunk chunk, StepResult result) {
        if (request.numComputedTokens() != chunk.firstPosition()) {
            throw new IllegalStateException(request.id() + ": chunk starts at " + chunk.firstPosition()
                    + " but the request has computed " + request.numComputedTokens());
        }
        request.computed(chunk.numNewTokens());
        if (chunk.samples()) {
            append(request, result.sampledTokens().get(request.id()));
        }
    }

    /** Appends a sampled token and applies the stop conditions (a stop frees the request's cache). */
    private void append(Request request, int token) {
        request.append(token);
        Optional<FinishReason> reason = request.stop().check(token, request.numOutputTokens());
        if (reason.isPresent()) {
            finish(request, reason.get(), reason.get() + " after " + request.numOutputTokens() + " tokens (last "
                    + token + ")");
        }
    }

    // ---- invariants

    /** Throws {@link IllegalStateException} naming the broken invariant (see the class Javadoc); checks the cache's. */
    public void checkInvariants() {
        new SchedulerInvariants(this).check();
    }

    List<Request> running() {
        return running;
    }

    ArrayDeque<Request> waiting() {
        return waiting;
    }

    Map<RequestId, Request> live() {
        return live;
    }

    List<Request> finishedNotDrained() {
        return finished;
    }

    StepPlan inFlight() {
        return inFlight;
    }

    List<Request> inFlightRequests() {
        return inFlightRequests;
    }
}
