package dev.kvlab.scheduler;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** Checks the invariants stated in {@link Scheduler}'s Javadoc; tests call it after every step. */
final class SchedulerInvariants {
    private final Scheduler s;

    SchedulerInvariants(Scheduler s) {
        this.s = s;
    }

    void check() {
        s.cache().checkInvariants();
        Set<Request> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        long lastArrival = -1;
        for (Request r : s.running()) {
            checkLive(r, Request.Status.RUNNING, lastArrival, seen);
            lastArrival = r.arrival();
        }
        for (Request r : s.waiting()) {
            checkLive(r, Request.Status.WAITING, lastArrival, seen);
            lastArrival = r.arrival();
            require(r.numComputedTokens() == 0 && s.cache().numTokens(r.seq()) == 0,
                    () -> "a waiting request holds no cache: " + r);
        }
        for (Request r : s.live().values()) {
            checkPendingForks(r, seen);
        }
        require(seen.size() == s.live().size(),
                () -> "each live request is waiting or running: " + s.live().size() + " live, " + seen.size()
                        + " queued");
        require(s.seatsTaken() <= s.config().maxSeqs(),
                () -> "running + pending forks of running <= maxSeqs: " + s.seatsTaken());
        for (Request r : s.finishedNotDrained()) {
            require(r.isFinished() && s.cache().numTokens(r.seq()) == 0,
                    () -> "a finished request holds no cache: " + r);
        }
        checkCacheSeen();
        require(!s.live().isEmpty() || s.cache().memory().reservedTokens() == 0,
                () -> "with no live request the cache reserves nothing: " + s.cache().memory());
    }

    private void checkLive(Request r, Request.Status status, long lastArrival, Set<Request> seen) {
        require(r.status() == status && s.live().get(r.id()) == r, () -> "queued with its status and live: " + r);
        require(seen.add(r), () -> "in exactly one place: " + r);
        require(r.arrival() > lastArrival, () -> "running then waiting are in arrival order (FCFS): " + r);
        require(0 <= r.numComputedTokens() && r.numComputedTokens() < r.numTokens(),
                () -> "0 <= numComputedTokens < numTokens: " + r);
        require(r.numOutputTokens() < r.stop().maxNewTokens(), () -> "a live request's output < maxNewTokens: " + r);
    }

    /** A queued request's pending fork children: live, waiting on it, holding no cache; it has no output yet. */
    private void checkPendingForks(Request parent, Set<Request> seen) {
        if (parent.isPendingFork() || parent.pendingForks().isEmpty()) {
            return;
        }
        require(parent.numOutputTokens() == 0, () -> "a request with pending forks has no output yet: " + parent);
        for (Request child : parent.pendingForks()) {
            require(child.forkParent() == parent && child.status() == Request.Status.WAITING
                    && s.live().get(child.id()) == child, () -> "a pending fork waits on its live parent: " + child);
            require(seen.add(child), () -> "in exactly one place: " + child);
            require(child.numComputedTokens() == 0 && s.cache().numTokens(child.seq()) == 0,
                    () -> "a pending fork holds no cache: " + child);
        }
    }

    /** A s.running() request's cache has seen its computed tokens, plus its chunk while a step is in flight. */
    private void checkCacheSeen() {
        Map<Request, Integer> inFlightEnd = new IdentityHashMap<>();
        for (int i = 0; i < s.inFlightRequests().size(); i++) {
            inFlightEnd.put(s.inFlightRequests().get(i), s.inFlight().chunks().get(i).endPosition());
        }
        for (Request r : s.running()) {
            int expected = inFlightEnd.getOrDefault(r, r.numComputedTokens());
            require(s.cache().numTokens(r.seq()) == expected, () -> "the cache has seen " + s.cache().numTokens(r.seq())
                    + " tokens of " + r + ", expected " + expected);
        }
        if (s.inFlight() != null) {
            require(s.inFlight().numScheduledTokens() <= s.config().maxBatchedTokens(),
                    () -> "a step plans <= maxBatchedTokens: " + s.inFlight().numScheduledTokens());
        }
    }

    private static void require(boolean condition, Supplier<String> invariant) {
        if (!condition) {
            throw new IllegalStateException("scheduler invariant broken: " + invariant.get());
        }
    }
}
