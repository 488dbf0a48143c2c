package dev.kvlab.model.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** {@link KernelThreads}' invariants over many back-to-back calls, across the spin/park boundary. */
class KernelThreadsTest {

    @Test
    void everyTaskRunsExactlyOnceAndAWorkerIndexIsNeverUsedTwiceAtOnce() throws InterruptedException {
        try (KernelThreads threads = new KernelThreads(3)) {
            Random rnd = new Random(7);
            AtomicBoolean[] busy = {new AtomicBoolean(), new AtomicBoolean(), new AtomicBoolean()};
            AtomicBoolean overlap = new AtomicBoolean();
            for (int call = 0; call < 3000; call++) {
                int tasks = rnd.nextInt(40);
                AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(1, tasks));
                threads.forEach(tasks, (worker, task) -> {
                    if (!busy[worker].compareAndSet(false, true)) {
                        overlap.set(true);
                    }
                    runs.incrementAndGet(task);
                    busy[worker].set(false);
                });
                for (int t = 0; t < tasks; t++) {
                    assertEquals(1, runs.get(t), "call " + call + " task " + t);
                }
                if (call % 500 == 0) {
                    Thread.sleep(2);   // past SPIN_NANOS: the next call wakes parked workers
                }
            }
            assertFalse(overlap.get(), "two tasks ran on one worker index at once");
        }
    }

    @Test
    void helpersTakePartAfterParking() throws InterruptedException {
        try (KernelThreads threads = new KernelThreads(2)) {
            for (int round = 0; round < 20; round++) {
                Thread.sleep(1);       // the helper has parked
                AtomicBoolean helperRan = new AtomicBoolean();
                threads.forEach(2, (worker, task) -> {
                    if (worker == 1) {
                        helperRan.set(true);
                        return;
                    }
                    long until = System.nanoTime() + 10_000_000_000L;   // the caller holds one task until the
                    while (!helperRan.get() && System.nanoTime() < until) {   // helper has taken the other
                        Thread.onSpinWait();
                    }
                });
                assertTrue(helperRan.get(), "round " + round + ": the parked helper never woke");
            }
        }
    }

    @Test
    void aFailingTaskIsRethrownAfterTheOthersFinishAndThePoolStaysUsable() {
        try (KernelThreads threads = new KernelThreads(2)) {
            IllegalStateException boom = new IllegalStateException("boom");
            AtomicIntegerArray runs = new AtomicIntegerArray(50);
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () ->
                    threads.forEach(50, (worker, task) -> {
                        runs.incrementAndGet(task);
                        if (task == 3) {
                            throw boom;
                        }
                    }));
            assertSame(boom, thrown);
            for (int t = 0; t < 50; t++) {
                assertTrue(runs.get(t) <= 1, "task " + t + " ran twice");
            }
            List<Integer> seen = new ArrayList<>();
            threads.forEach(10, (worker, task) -> {
                synchronized (seen) {
                    seen.add(task);
                }
            });
            assertEquals(10, seen.size());
            Error oom = new OutOfMemoryError("planted");
            assertSame(oom, assertThrows(OutOfMemoryError.class, () -> threads.forEach(4, (w, t) -> {
                throw oom;
            })));
        }
    }

    @Test
    void oneThreadRunsEverythingOnTheCaller() {
        try (KernelThreads threads = new KernelThreads(1)) {
            Thread caller = Thread.currentThread();
            AtomicBoolean elsewhere = new AtomicBoolean();
            threads.forEach(20, (worker, task) -> {
                if (Thread.currentThread() != caller || worker != 0) {
                    elsewhere.set(true);
                }
            });
            assertFalse(elsewhere.get());
        }
        assertThrows(IllegalArgumentException.class, () -> new KernelThreads(0));
    }

    @Test
    void closeStopsTheWorkers() throws InterruptedException {
        KernelThreads threads = new KernelThreads(3);
        threads.forEach(10, (w, t) -> { });
        threads.close();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (threads.anyAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertFalse(threads.anyAlive(), "workers still alive 5 s after close");
    }
}
