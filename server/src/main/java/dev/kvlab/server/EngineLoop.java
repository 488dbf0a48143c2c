package dev.kvlab.server;

import dev.kvlab.model.torch.TorchRuntime;
import dev.kvlab.runtime.Engine;
import dev.kvlab.runtime.GenerationRequest;
import dev.kvlab.runtime.LiveOptions;
import dev.kvlab.runtime.RequestResult;
import dev.kvlab.runtime.TokenLogprobs;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One {@link Engine} stepping on its own thread. Other threads hand it work through a queue ({@link #submit},
 * {@link #cancel}); the loop drains the queue between steps, steps while there is work and blocks on the queue when
 * idle. Only the loop thread touches the engine. After each step it sends every sampled token to its request's
 * {@link SampleSink} (marked finished when the token ended the request), then the requests that ended without a token.
 *
 * <p>Admission is bounded: {@link #tryReserve} counts engine requests from reservation to their end and refuses past
 * {@code capacity} (running seats plus the waiting queue), so the queue cannot grow without bound.
 *
 * <p>Invariants: every submitted request reaches its sink's {@code onToken(.., finished)}, {@code onFinish} or
 * {@code onFailure} exactly once; after {@link #close} the engine has no live request and its pool is freed.
 */
final class EngineLoop implements AutoCloseable {
    private sealed interface Command permits Submit, Cancel, ResetPrefixCache, Stop {
    }

    /** Forget the cache's prefixes between steps; {@code done} runs on the loop thread afterwards. */
    private record ResetPrefixCache(Runnable done) implements Command {
    }

    /** One engine request to submit: what to run, what the caller wants from it, and where its events go. */
    record Sample(GenerationRequest request, int topLogprobs, int minTokens, SampleSink sink) {
    }

    /** Samples submitted together; with {@code fork}, samples 1.. are forks of sample 0 (one prompt, n samples). */
    private record Submit(List<Sample> samples, boolean fork) implements Command {
    }

    private record Cancel(String id) implements Command {
    }

    private record Stop() implements Command {
    }

    /** A token sampled in the current step, delivered once the step has ended. */
    private record Delivery(String id, int token, TokenLogprobs logprobs) {
    }

    private final Engine engine;
    private final int capacity;
    private final LinkedBlockingQueue<Command> inbox = new LinkedBlockingQueue<>();
    private final AtomicInteger reserved = new AtomicInteger();
    private final Thread thread;
    private final ServerMetrics metrics;
    /** Loop thread only: the sinks of live requests by engine id. */
    private final Map<String, SampleSink> sinks = new HashMap<>();
    /** Loop thread only: tokens of the step in progress. */
    private final List<Delivery> deliveries = new ArrayList<>();
    private volatile EngineSnapshot snapshot;
    private volatile boolean accepting = true;
    private volatile boolean stopped;

    /**
     * @param capacity     most engine requests in flight (running plus waiting)
     * @param torchThreads torch threads for the engine thread (0 = one per core, as {@code --threads})
     */
    EngineLoop(Engine engine, int capacity, ServerMetrics metrics, int torchThreads) {
        this.engine = engine;
        this.capacity = capacity;
        this.metrics = metrics;
        publish();
        this.thread = new Thread(() -> {
            TorchRuntime.useThreadsOnThisThread(torchThreads);
            loop();
        }, "kvlab-engine");
        thread.setDaemon(true);
        thread.start();
    }

    /** Reserves room for {@code n} engine requests; false when the queue is full (nothing reserved then). */
    boolean tryReserve(int n) {
        while (true) {
            int now = reserved.get();
            if (!accepting || stopped || now + n > capacity) {
                return false;
            }
            if (reserved.compareAndSet(now, now + n)) {
                return true;
            }
        }
    }

    /** Returns room reserved by {@link #tryReserve} but never submitted. */
    void unreserve(int n) {
        reserved.addAndGet(-n);
    }

    /** Queues a request reserved earlier; its events go to {@code sink} on the loop thread. */
    void submit(GenerationRequest request, int topLogprobs, int minTokens, SampleSink sink) {
        inbox.add(new Submit(List.of(new Sample(request, topLogprobs, minTokens, sink)), false));
    }

    /**
     * Whether {@link #submitForked} forks {@code n} samples of one prompt (the engine's strategy can fork and they fit
     * its seats); the engine's configuration only, so any thread may ask.
     */
    boolean forks(int n) {
        return engine.canFork(n);
    }

    /**
     * Queues n samples of one prompt, reserved earlier, in one command so that nothing steps between them: the first
     * computes the prompt and the others fork off it ({@link Engine#submitFork}) when {@link #forks} says so,
     * otherwise all are independent requests.
     */
    void submitForked(List<Sample> samples) {
        inbox.add(new Submit(List.copyOf(samples), forks(samples.size())));
    }

    /**
     * Forgets the engine's cached prefixes before its next step ({@link Engine#resetPrefixCache}); {@code done} is
     * called on the loop thread once that happened (it must hand over to its own thread and return).
     */
    void resetPrefixCache(Runnable done) {
        inbox.add(new ResetPrefixCache(done));
    }

    /** Cancels an engine request (no-op when it already ended); its cache is freed before the next step. */
    void cancel(String id) {
        inbox.add(new Cancel(id));
    }

    /** Engine requests reserved and not yet ended. */
    int inFlight() {
        return reserved.get();
    }

    EngineSnapshot snapshot() {
        return snapshot;
    }

    /** Whether the loop has stopped (after {@link #close}, or after an engine failure). */
    boolean stopped() {
        return stopped;
    }

    private void loop() {
        try {
            while (true) {
                Command first = sinks.isEmpty() ? inbox.poll(200, TimeUnit.MILLISECONDS) : inbox.poll();
                List<Command> batch = new ArrayList<>();
                if (first != null) {
                    batch.add(first);
                    inbox.drainTo(batch);
                }
                if (apply(batch)) {
                    return;
                }
                if (!sinks.isEmpty()) {
                    step();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            fail("the engine failed: " + e);
        } finally {
            stopped = true;
            refuseQueued("the server is shutting down");
        }
    }

    /** Applies queued commands; true when told to stop. */
    private boolean apply(List<Command> batch) {
        for (Command c : batch) {
            if (c instanceof Submit s) {
                String parent = s.samples().get(0).request().id();
                for (Sample one : s.samples()) {
                    submit(one, s.fork() && one != s.samples().get(0) ? parent : null);
                }
            } else if (c instanceof Cancel x) {
                engine.cancel(x.id());
            } else if (c instanceof ResetPrefixCache r) {
                engine.resetPrefixCache();
                r.done().run();
            } else {
                cancelAll();
                return true;
            }
        }
        return false;
    }

    /** Submits one sample to the engine, as a fork of {@code forkOf} when given. */
    private void submit(Sample s, String forkOf) {
        String id = s.request().id();
        sinks.put(id, s.sink());
        LiveOptions options = new LiveOptions((token, lp) -> deliveries.add(new Delivery(id, token, lp)),
                s.topLogprobs(), s.minTokens());
        if (forkOf != null && engine.isForkable(forkOf)) {
            engine.submitFork(forkOf, s.request(), options);
        } else {
            engine.submit(s.request(), options);   // no fork, or the parent ended at once (rejected)
        }
    }

    private void step() {
        List<RequestResult> done = engine.step();
        Map<String, RequestResult> finished = new HashMap<>();
        done.forEach(r -> finished.put(r.id(), r));
        for (Delivery d : deliveries) {
            RequestResult r = finished.remove(d.id());
            SampleSink sink = r == null ? sinks.get(d.id()) : end(r);
            sink.onToken(d.token(), d.logprobs(), r);
        }
        deliveries.clear();
        for (RequestResult r : done) {
            if (finished.containsKey(r.id())) {
                end(r).onFinish(r);
            }
        }
        publish();
    }

    /** Forgets an ended request and returns its sink. */
    private SampleSink end(RequestResult r) {
        reserved.decrementAndGet();
        metrics.finished(r);
        return sinks.remove(r.id());
    }

    /** Cancels every live request and reports their ends (used on stop). */
    private void cancelAll() {
        List<String> ids = new ArrayList<>(sinks.keySet());
        ids.forEach(engine::cancel);
        for (int i = 0; i < 3 && !sinks.isEmpty(); i++) {
            step();
        }
        publish();
    }

    /** Tells every live and queued request that the engine is gone. */
    private void fail(String message) {
        System.err.println("kvlab serve: " + message);
        for (SampleSink s : sinks.values()) {
            reserved.decrementAndGet();
            s.onFailure(message);
        }
        sinks.clear();
        refuseQueued(message);
    }

    /** Fails submissions still in the queue (they never reached the engine). */
    private void refuseQueued(String message) {
        Command c;
        while ((c = inbox.poll()) != null) {
            if (c instanceof Submit s) {
                for (Sample one : s.samples()) {
                    reserved.decrementAndGet();
                    one.sink().onFailure(message);
                }
            } else if (c instanceof ResetPrefixCache r) {
                r.done().run();   // nothing is cached by an engine that has stopped
            }
        }
    }

    private void publish() {
        snapshot = new EngineSnapshot(engine.numRunning(), engine.numWaiting(), engine.cache().memory(),
                engine.stats());
    }

    /**
     * Stops the loop: requests still live are cancelled (their sinks hear of it), then the thread ends. The engine is
     * the caller's to close afterwards.
     */
    @Override
    public void close() {
        accepting = false;
        inbox.add(new Stop());
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until no engine request is in flight or {@code deadlineNanos} passes; true when none is left. */
    boolean awaitIdle(long deadlineNanos) throws InterruptedException {
        while (reserved.get() > 0 && System.nanoTime() < deadlineNanos && !stopped) {
            Thread.sleep(20);
        }
        return reserved.get() == 0;
    }

    /** Refuses new reservations from now on (graceful shutdown). */
    void stopAccepting() {
        accepting = false;
    }
}
