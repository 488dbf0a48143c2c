package dev.kvlab.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.AllocRequest;
import dev.kvlab.cache.SeqId;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Misuse of the scheduler's API and of its values fails at once, with a message that says what went wrong. */
class SchedulerProtocolTest {

    static final RequestId A = new RequestId("A");
    static final RequestId B = new RequestId("B");

    static Scheduler scheduler() {
        return new Scheduler(new SchedulerConfig(4, 64), new FakeBlockCache(64, 4));
    }

    static Request request(RequestId id, int promptLength, int maxNewTokens) {
        return SchedulerScenarioTest.request(id.value(), promptLength, maxNewTokens);
    }

    static String message(Class<? extends Throwable> type, org.junit.jupiter.api.function.Executable call) {
        return assertThrows(type, call).getMessage();
    }

    @Test
    void scheduleTwiceWithoutUpdateIsRefused() {
        Scheduler s = scheduler();
        s.submit(request(A, 2, 2));
        s.schedule();
        assertTrue(message(IllegalStateException.class, s::schedule).contains("before update() of step 0"));
    }

    @Test
    void updateWithAnotherPlanIsRefused() {
        Scheduler s = scheduler();
        s.submit(request(A, 2, 2));
        StepPlan plan = s.schedule();
        StepPlan copy = new StepPlan(plan.step(), plan.chunks(), plan.preempted());
        assertThrows(IllegalStateException.class, () -> s.update(copy, new StepResult(Map.of(A, 1))));
        s.update(plan, new StepResult(Map.of(A, 1)));
        assertTrue(message(IllegalStateException.class, () -> s.update(plan, new StepResult(Map.of(A, 1))))
                .contains("none is in flight"));
    }

    @Test
    void aResultMustHoldExactlyTheSamplingChunksTokensAndChangesNothingOtherwise() {
        Scheduler s = scheduler();
        s.submit(request(A, 2, 2));
        StepPlan plan = s.schedule();
        assertTrue(message(IllegalArgumentException.class, () -> s.update(plan, StepResult.none()))
                .contains("tokens expected for [A]"));
        assertThrows(IllegalArgumentException.class, () -> s.update(plan, new StepResult(Map.of(A, 1, B, 2))));
        assertEquals(0, s.find(A).orElseThrow().numComputedTokens(), "a refused update changes nothing");
        s.update(plan, new StepResult(Map.of(A, 1)));
        s.checkInvariants();
        assertEquals(2, s.find(A).orElseThrow().numComputedTokens());
        assertThrows(IllegalArgumentException.class, () -> new StepResult(Map.of(A, -1)));
    }

    @Test
    void aRequestIsSubmittedOnceAndLiveIdsAreUnique() {
        Scheduler s = scheduler();
        Request a = request(A, 2, 1);
        s.submit(a);
        assertTrue(message(IllegalArgumentException.class, () -> s.submit(a)).contains("already submitted"));
        assertTrue(message(IllegalArgumentException.class, () -> s.submit(request(A, 3, 1)))
                .contains("a live request already has id A"));
        StepPlan plan = s.schedule();
        s.update(plan, new StepResult(Map.of(A, 1)));
        assertEquals(1, s.drainFinished().size());
        s.submit(request(A, 3, 1)); // the id is free again once its request finished
        assertEquals(new SeqId(1), s.find(A).orElseThrow().seq());
    }

    @Test
    void theCacheMustStartEmpty() {
        FakeBlockCache cache = new FakeBlockCache(64, 4);
        cache.allocate(new AllocRequest(new SeqId(9), new int[] {1, 2}, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> new Scheduler(new SchedulerConfig(1, 1), cache));
    }

    @Test
    void valuesAreValidatedWithClearMessages() {
        assertTrue(message(IllegalArgumentException.class, () -> new SchedulerConfig(0, 8)).contains("--max-seqs"));
        assertTrue(message(IllegalArgumentException.class, () -> new SchedulerConfig(1, 0))
                .contains("--max-batched-tokens"));
        assertThrows(IllegalArgumentException.class, () -> StopConditions.of(0, 1));
        assertThrows(IllegalArgumentException.class, () -> StopConditions.of(1, -1));
        assertThrows(IllegalArgumentException.class, () -> StopConditions.of(1, 1).withStopTokenIds(-2));
        assertTrue(message(IllegalArgumentException.class, () -> new Request(A, new int[0], StopConditions.of(1, 1),
                null)).contains("at least one token"));
        assertThrows(IllegalArgumentException.class, () -> new RequestId(""));
    }

    @Test
    void stopConditionsAreAValue() {
        int[] ids = {5, 6};
        StopConditions stop = StopConditions.of(3, 0).withStopTokenIds(ids);
        ids[0] = 99;
        assertEquals(StopConditions.of(3, 0).withStopTokenIds(5, 6), stop);
        assertEquals(StopConditions.of(3, 0).withStopTokenIds(5, 6).hashCode(), stop.hashCode());
        stop.stopTokenIds()[1] = 99;
        assertEquals(6, stop.stopTokenIds()[1]);
    }
}
