package dev.kvlab.bench;

import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.runtime.Engine;
import dev.kvlab.runtime.GenerationRequest;
import dev.kvlab.runtime.RequestResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one sweep point with continuous batching: a fresh {@link Engine} per run, requests submitted when the clock
 * passes their arrival time (checked between engine steps; while the engine is idle the loop sleeps until the next
 * arrival), engine stepped until every request finished. Timings use the workload's arrival times, so a request that
 * arrived during a step is charged the wait. Static batching is {@link StaticBatching}.
 */
public final class BenchRunner {
    private final Gpt2Model model;
    private final Progress progress;

    public BenchRunner(Gpt2Model model, Progress progress) {
        this.model = model;
        this.progress = progress;
    }

    /** Runs {@code requests} (sorted by arrival) under {@code config}. */
    public RunResult run(RunConfig config, List<RequestSpec> requests) {
        if (config.batching().equals(RunConfig.STATIC)) {
            return new StaticBatching(model, progress).run(config, requests);
        }
        try (Engine engine = new Engine(model, config.engine())) {
            long t0 = System.nanoTime();
            Map<String, RequestTiming> done = new HashMap<>();
            Map<String, Long> arrival = new HashMap<>();
            int next = 0;
            while (done.size() < requests.size()) {
                long now = System.nanoTime();
                while (next < requests.size() && arrivalNanos(t0, requests.get(next)) <= now) {
                    RequestSpec r = requests.get(next++);
                    arrival.put(r.id(), arrivalNanos(t0, r));
                    engine.submit(request(r, r.promptIds(), r.maxNewTokens()));
                }
                if (next - done.size() == 0) {
                    long at = arrivalNanos(t0, requests.get(next));
                    if (at - now > 1_000_000_000L) {
                        progress.note(String.format(java.util.Locale.ROOT, "waiting %.0f s for request %d of %d to "
                                + "arrive (rate %s req/s)", (at - now) / 1e9, next + 1, requests.size(),
                                config.arrivals().label()));
                    }
                    sleepUntil(at);
                    continue;
                }
                for (RequestResult r : engine.step()) {
                    done.put(r.id(), timing(r, arrival.get(r.id()), r.generatedIds().length, r.promptIds().length));
                }
                progress.update(done.size(), requests.size());
            }
            return result(config, requests, done, engine, t0);
        }
    }

    static RunResult result(RunConfig config, List<RequestSpec> requests, Map<String, RequestTiming> done,
                            Engine engine, long t0) {
        List<RequestTiming> timings = new ArrayList<>(requests.size());
        for (RequestSpec r : requests) {
            timings.add(done.get(r.id()));
        }
        return new RunResult(config, timings, engine.stats(), LatencyMetrics.of(timings, t0));
    }

    /** A greedy request that ignores EOS: exactly {@code maxNew} tokens come out. */
    static GenerationRequest request(RequestSpec r, int[] prompt, int maxNew) {
        return GenerationRequest.greedy(r.id(), prompt, maxNew, true);
    }

    /** The timing of a finished request: its first {@code ownTokens} tokens, from its workload arrival. */
    static RequestTiming timing(RequestResult r, long arrivalNanos, int ownTokens, int promptTokens) {
        long[] all = r.timeline().tokenNanos();
        long[] own = java.util.Arrays.copyOf(all, Math.min(ownTokens, all.length));
        return new RequestTiming(r.id(), promptTokens, arrivalNanos, own, r.numPreemptions());
    }

    static long arrivalNanos(long t0, RequestSpec r) {
        return t0 + Math.round(r.arrivalMs() * 1e6);
    }

    static void sleepUntil(long nanos) {
        long wait = nanos - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the next arrival", e);
            }
        }
    }
}
