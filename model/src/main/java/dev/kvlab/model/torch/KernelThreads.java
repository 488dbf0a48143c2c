package dev.kvlab.model.torch;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The fixed set of Java threads behind kvlab's CPU kernels ({@link PanelGemm}, {@link DecodeKernel}): {@code n - 1}
 * daemon workers plus the calling thread, created once per model and owned by one object ({@link #close}); both
 * kernels of a model share them, so at most {@code n} threads compute at any moment.
 *
 * <p>Hand-over: a step calls the kernels about 60 times (gpt2-small: four linears and one attention per layer, and
 * the LM head), microseconds apart. Parking a worker between calls costs a futex wake-up per call (tens of µs on a
 * VM, a tenth of a batch-1 linear), so an idle worker first polls for the next call for {@link #SPIN_NANOS},
 * yielding the core to any other runnable thread while it waits ({@code Thread.yield}: unlike libgomp's spin it
 * does not keep OpenBLAS's or torch's threads off the core), and only then parks. Between steps the workers park.
 *
 * <p>Invariants: {@link #forEach} returns only when every task it handed out has finished (or rethrows the first
 * failure, after they have finished); a task index runs exactly once; worker index {@code w} runs on one thread at a
 * time, so a kernel may keep per-worker scratch; one {@code forEach} at a time (the model runs one step at a time).
 */
final class KernelThreads implements AutoCloseable {
    /** How long an idle worker polls for the next call before parking. */
    static final long SPIN_NANOS = 200_000;

    /** One unit of work: task index {@code task}, run on worker {@code worker} in {@code [0, size())}. */
    @FunctionalInterface
    interface Body {
        void run(int worker, int task);
    }

    private final int size;
    private final Worker[] workers;            // size - 1 helpers; the caller is worker 0
    private volatile Job job;                  // the current call; written before generation
    private volatile long generation;          // incremented once per call that uses helpers
    private volatile boolean closed;

    KernelThreads(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("need at least one thread, got " + size);
        }
        this.size = size;
        this.workers = new Worker[size - 1];
        for (int w = 0; w < workers.length; w++) {
            workers[w] = new Worker(w + 1);
            workers[w].thread.start();
        }
    }

    int size() {
        return size;
    }

    /** Runs {@code body} for tasks {@code [0, tasks)}, spread over the threads by a shared counter. */
    void forEach(int tasks, Body body) {
        Job j = new Job(body, tasks);
        if (Math.min(size, tasks) <= 1) {
            j.drain(0);
            j.rethrow();
            return;
        }
        job = j;
        generation++;                          // single writer: the one calling thread
        for (Worker w : workers) {
            if (w.parked) {
                LockSupport.unpark(w.thread);
            }
        }
        j.drain(0);
        j.awaitClaimed();
        j.rethrow();
    }

    /** Whether any helper thread is still running (after {@link #close} they end). */
    boolean anyAlive() {
        for (Worker w : workers) {
            if (w.thread.isAlive()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) {
            LockSupport.unpark(w.thread);
        }
    }

    /** One call: its tasks, handed out by {@link #next}, counted done in {@link #finished}. */
    private static final class Job {
        final Body body;
        final int tasks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger finished = new AtomicInteger();
        volatile Throwable failure;

        Job(Body body, int tasks) {
            this.body = body;
            this.tasks = tasks;
        }

        void drain(int worker) {
            for (int t = next.getAndIncrement(); t < tasks; t = next.getAndIncrement()) {
                try {
                    if (failure == null) {
                        body.run(worker, t);
                    }
                } catch (RuntimeException | Error e) {
                    failure = failure != null ? failure : e;
                } finally {
                    finished.incrementAndGet();
                }
            }
        }

        /** Every task index was handed out (the caller's own drain ran dry); waits for the ones still running. */
        void awaitClaimed() {
            while (finished.get() < tasks) {
                Thread.onSpinWait();
            }
        }

        void rethrow() {
            if (failure instanceof Error e) {
                throw e;
            }
            if (failure != null) {
                throw (RuntimeException) failure;
            }
        }
    }

    /** A helper thread: runs each new call's tasks, polls for the next, parks when none comes. */
    private final class Worker implements Runnable {
        final int index;
        final Thread thread;
        volatile boolean parked;
        private long seen;

        Worker(int index) {
            this.index = index;
            this.thread = new Thread(this, "kvlab-kernel-" + index);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            while (!closed) {
                long g = generation;
                if (g != seen) {
                    seen = g;
                    job.drain(index);
                    continue;
                }
                idle();
            }
        }

        /** Polls {@link #generation} for up to SPIN_NANOS, then parks until the caller unparks it. */
        private void idle() {
            long until = System.nanoTime() + SPIN_NANOS;
            while (generation == seen && !closed) {
                if (System.nanoTime() < until) {
                    Thread.yield();
                    continue;
                }
                parked = true;
                if (generation == seen && !closed) {
                    LockSupport.park(this);
                }
                parked = false;
            }
        }
    }
}
