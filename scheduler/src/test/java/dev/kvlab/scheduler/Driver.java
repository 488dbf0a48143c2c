package dev.kvlab.scheduler;

import dev.kvlab.cache.KvCache;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Test-only engine loop around a {@link Scheduler} with a fake model: the token sampled at position p of a request
 * is {@link TokenModel#token}(id, p), so every output is known in advance. Each step runs the chunks through a
 * {@link KvOracle}, checks the scheduler's and the cache's invariants after schedule and after update, and records
 * the plan as a line: {@code A0-4} = A computes positions [0, 4); {@code *} = it samples; {@code -B} = B preempted.
 */
final class Driver {

    /** The fake model: the token a sampling chunk yields for position {@code chunk.endPosition()}. */
    @FunctionalInterface
    interface TokenModel {
        int token(ScheduledChunk chunk);
    }

    /** A: 1000 + p, B: 2000 + p, ... for one-letter ids. */
    static final TokenModel LETTERS = chunk -> letter(chunk.requestId(), chunk.endPosition());

    static int letter(RequestId id, int position) {
        return 1000 * (id.value().charAt(0) - 'A' + 1) + position;
    }

    final Scheduler scheduler;
    private final TokenModel model;
    /** Null to skip the K/V check (for a fake prefix hit, which holds no real K/V). */
    KvOracle oracle;
    final List<String> trace = new ArrayList<>();
    /** Also check the invariants between schedule and update (while the step is "in flight"). */
    boolean checkInFlight = true;
    /** Record each step's line in {@link #trace}. */
    boolean recordTrace = true;
    final List<Request> finished = new ArrayList<>();

    Driver(SchedulerConfig config, KvCache cache, TokenModel model) {
        this.scheduler = new Scheduler(config, cache);
        this.model = model;
        this.oracle = new KvOracle(cache.spec().capacityTokens());
    }

    void submit(Request... requests) {
        for (Request r : requests) {
            scheduler.submit(r);
        }
        scheduler.checkInvariants();
        finished.addAll(scheduler.drainFinished());
    }

    /** Runs one step and returns its line. */
    String step() {
        StepPlan plan = scheduler.schedule();
        if (checkInFlight) {
            scheduler.checkInvariants();
        }
        if (plan.numScheduledTokens() > scheduler.config().maxBatchedTokens()) {
            throw new AssertionError("over budget: " + plan);
        }
        Map<RequestId, Integer> tokens = new HashMap<>();
        for (ScheduledChunk chunk : plan.chunks()) {
            if (oracle != null) {
                oracle.run(chunk);
            }
            if (chunk.samples()) {
                tokens.put(chunk.requestId(), model.token(chunk));
            }
            for (ScheduledChunk.Fork f : chunk.forks()) {   // a fork child samples at its parent's last position
                tokens.put(f.requestId(), model.token(new ScheduledChunk(f.requestId(), chunk.seq(), chunk.tokenIds(),
                        chunk.numNewTokens(), chunk.allocation(), true, f.attachment())));
            }
        }
        scheduler.update(plan, new StepResult(tokens));
        scheduler.checkInvariants();
        finished.addAll(scheduler.drainFinished());
        if (!recordTrace) {
            return "";
        }
        String line = describe(plan);
        trace.add(line);
        return line;
    }

    /** Steps until no work is left; returns the whole trace. */
    List<String> runAll(int maxSteps) {
        while (scheduler.hasWork()) {
            if (trace.size() >= maxSteps) {
                throw new AssertionError("still working after " + maxSteps + " steps: " + trace);
            }
            step();
        }
        return trace;
    }

    static String describe(StepPlan plan) {
        String chunks = plan.chunks().stream()
                .map(c -> c.requestId() + "" + c.firstPosition() + "-" + c.endPosition() + (c.samples() ? "*" : "")
                        + c.forks().stream().map(f -> "<" + f.requestId()).collect(Collectors.joining()))
                .collect(Collectors.joining(" "));
        String preempted = plan.preempted().stream().map(id -> " -" + id).collect(Collectors.joining());
        return chunks + preempted;
    }
}
