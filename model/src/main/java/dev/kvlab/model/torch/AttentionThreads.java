package dev.kvlab.model.torch;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small fixed set of Java threads for kvlab's CPU kernels (the decode kernel; the panel GEMM has its own set):
 * {@code n - 1} daemon workers plus the calling thread, created once and owned by this object ({@link #close}); no
 * thread is created per step.
 *
 * <p>Invariant: {@link #forEach} returns only when every task has run (or rethrows the first failure).
 */
final class AttentionThreads implements AutoCloseable {

    /** One unit of work: task index {@code task}, run on worker {@code worker} in {@code [0, size())}. */
    @FunctionalInterface
    interface Body {
        void run(int worker, int task);
    }

    private final int size;
    private final ExecutorService workers;   // null when size == 1

    AttentionThreads(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("need at least one thread, got " + size);
        }
        this.size = size;
        this.workers = size == 1 ? null : Executors.newFixedThreadPool(size - 1, r -> {
            Thread t = new Thread(r, "kvlab-decode-attention");
            t.setDaemon(true);
            return t;
        });
    }

    int size() {
        return size;
    }

    /** Runs {@code body} for tasks {@code [0, tasks)}, spread over the threads by a shared counter. */
    void forEach(int tasks, Body body) {
        AtomicInteger next = new AtomicInteger();
        int helpers = Math.min(size, tasks) - 1;
        if (helpers <= 0) {
            drain(0, tasks, next, body);
            return;
        }
        Future<?>[] pending = new Future<?>[helpers];
        for (int w = 0; w < helpers; w++) {
            int worker = w + 1;
            pending[w] = workers.submit(() -> drain(worker, tasks, next, body));
        }
        RuntimeException failure = null;
        try {
            drain(0, tasks, next, body);
        } catch (RuntimeException e) {
            failure = e;
        }
        for (Future<?> f : pending) {
            try {
                f.get();
            } catch (ExecutionException e) {
                failure = failure != null ? failure : new IllegalStateException("decode attention failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = failure != null ? failure : new IllegalStateException("interrupted", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void drain(int worker, int tasks, AtomicInteger next, Body body) {
        for (int t = next.getAndIncrement(); t < tasks; t = next.getAndIncrement()) {
            body.run(worker, t);
        }
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.shutdownNow();
        }
    }
}
