package dev.kvlab.cache;

import dev.kvlab.cache.check.SlotSimulator;
import static dev.kvlab.cache.CacheAsserts.free;
import static dev.kvlab.cache.CacheAsserts.granted;
import static dev.kvlab.cache.CacheAsserts.noRoom;
import static dev.kvlab.cache.CacheAsserts.seq;
import static dev.kvlab.cache.CacheAsserts.tokens;
import static dev.kvlab.cache.CacheAsserts.upTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Ring scenarios with W = 5, S = 2 unless said otherwise: sinks in slots base+0, base+1; position p &gt;= 2 in
 * slot base + 2 + (p - 2) % 3. Every chunk also goes through the {@link SlotSimulator}, which checks that each query
 * reads exactly the sink/window key set.
 */
class RingCacheTest {

    static final CacheSpec SPEC = new CacheSpec(1, 1, 1, 4, 20, 64);
    static final int[] T = tokens(400, 40);

    private final SlotSimulator sim = new SlotSimulator(SPEC.capacityTokens());

    static RingCache ring(int window, int sinks) {
        return new RingCache(SPEC, CacheOptions.DEFAULTS.withWindow(window, sinks));
    }

    /** Brings seq 1 up to n tokens, runs the chunk through the simulator and returns the grant. */
    private Allocation.Granted step(RingCache c, int n) {
        AllocRequest r = upTo(c, 1, Arrays.copyOf(T, n));
        Allocation.Granted g = granted(c, r);
        sim.apply(r, g);
        return g;
    }

    static AttentionView.Ring view(Allocation.Granted g) {
        return (AttentionView.Ring) g.view();
    }

    @Test
    void fillsToTheWindowThenOverwritesTheOldestNonSink() {
        RingCache c = ring(5, 2);
        // W - 1 = 4 tokens: all written to slots 0..3; nothing was held before.
        Allocation.Granted g = step(c, 4);
        assertArrayEquals(new int[] {0, 1, 2, 3}, g.writeSlots());
        assertArrayEquals(new int[0], view(g).positions());
        assertEquals(4, c.numHeldTokens(seq(1)));
        // Position 4 (n = W): reads 0..3, goes to slot 4; the window is full.
        g = step(c, 5);
        assertArrayEquals(new int[] {0, 1, 2, 3}, view(g).positions());
        assertArrayEquals(new int[] {4}, g.writeSlots());
        assertEquals(5, c.numHeldTokens(seq(1)));
        // Position 5 (n = W + 1): reads 0..4, then overwrites slot 2 (position 2, the oldest non-sink).
        g = step(c, 6);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, view(g).positions());
        assertArrayEquals(new int[] {2}, g.writeSlots());
        assertEquals(5, c.numHeldTokens(seq(1)));
        // Position 6: reads sinks and 3..5, overwrites slot 3 (position 3).
        g = step(c, 7);
        assertArrayEquals(new int[] {0, 1, 3, 4, 5}, view(g).positions());
        assertArrayEquals(new int[] {0, 1, 3, 4, 2}, view(g).slots());
        assertArrayEquals(new int[] {3}, g.writeSlots());
        assertEquals(7, c.numTokens(seq(1)));
    }

    @Test
    void wrapsAroundForSeveralLaps() {
        RingCache c = ring(5, 2);
        step(c, 1);
        for (int n = 2; n <= 30; n++) {
            // Decode position n - 1: held before are sinks 0, 1 and the last 3 positions before it.
            Allocation.Granted g = step(c, n);
            int p = n - 1;
            assertArrayEquals(new int[] {p < 2 ? p : 2 + (p - 2) % 3}, g.writeSlots());
            int[] held = view(g).positions();
            assertEquals(Math.min(p, 5), held.length);
            assertEquals(Math.min(n, 5), c.numHeldTokens(seq(1)));
            for (int j : held) {
                assertTrue(j < 2 || j >= p - 3, "held " + j + " before position " + p);
            }
        }
        assertEquals(5, c.memory().liveTokens());
        assertEquals(5, c.memory().reservedTokens());
    }

    @Test
    void aPromptLongerThanTheWindowWritesOnlyItsSurvivors() {
        RingCache c = ring(5, 2);
        // 10 tokens at once: only sinks 0, 1 and the last 3 positions 7, 8, 9 are stored, each slot once.
        Allocation.Granted g = step(c, 10);
        assertArrayEquals(new int[] {0, 1, 7, 8, 9}, g.writeChunkIndex());
        assertArrayEquals(new int[] {0, 1, 4, 2, 3}, g.writeSlots());
        // Position 10 reads exactly those and overwrites position 7's slot.
        g = step(c, 11);
        assertArrayEquals(new int[] {0, 1, 7, 8, 9}, view(g).positions());
        assertArrayEquals(new int[] {4}, g.writeSlots());
    }

    @Test
    void aChunkInTheMiddleWritesSurvivorsAfterReading() {
        RingCache c = ring(5, 2);
        step(c, 3);
        // Chunk of positions 3..8 after 3 tokens: reads 0..2, stores 0..1 untouched and only 6, 7, 8.
        Allocation.Granted g = step(c, 9);
        assertArrayEquals(new int[] {0, 1, 2}, view(g).positions());
        assertArrayEquals(new int[] {3, 4, 5}, g.writeChunkIndex());
        assertArrayEquals(new int[] {3, 4, 2}, g.writeSlots());
    }

    @Test
    void withoutSinksTheWholeWindowSlides() {
        RingCache c = ring(3, 0);
        step(c, 2);
        for (int n = 3; n <= 12; n++) {
            Allocation.Granted g = step(c, n);
            assertArrayEquals(new int[] {(n - 1) % 3}, g.writeSlots());
            assertEquals(Math.min(n - 1, 3), view(g).positions().length);
        }
        // A 7-token prompt keeps positions 4, 5, 6 only.
        AllocRequest r = upTo(c, 2, Arrays.copyOf(T, 7));
        Allocation.Granted g = granted(c, r);
        sim.apply(r, g);
        assertArrayEquals(new int[] {4, 5, 6}, g.writeChunkIndex());
        assertArrayEquals(new int[] {4, 5, 3}, g.writeSlots());
    }

    @Test
    void noRoomWhenNoWindowFits() {
        RingCache c = new RingCache(SPEC.withCapacityTokens(12), CacheOptions.DEFAULTS.withWindow(5, 2));
        granted(c, upTo(c, 1, tokens(0, 3)));
        granted(c, upTo(c, 2, tokens(0, 3)));
        // 2 slots left: a third window of 5 does not fit.
        Allocation.NoRoom n = noRoom(c, upTo(c, 3, tokens(0, 3)));
        assertEquals(5, n.neededTokens());
        assertEquals(2, n.freeTokens());
        // Freeing the first window makes room at slot 0 again.
        free(c, 1);
        assertEquals(0, view(granted(c, upTo(c, 3, tokens(0, 3)))).slots().length);
        assertArrayEquals(new int[] {0, 1, 2}, view(granted(c, upTo(c, 3, tokens(0, 4)))).slots());
        assertEquals(10, c.memory().reservedTokens());
        assertEquals(7, c.memory().liveTokens());
    }

    @Test
    void preemptThenResumeGivesTheSameViewContents() {
        RingCache c = ring(5, 2);
        // Decode to 10 tokens one chunk at a time, then look at the view for position 10.
        step(c, 3);
        for (int n = 4; n <= 10; n++) {
            step(c, n);
        }
        AttentionView.Ring before = view(step(c, 11));
        // Preempt, then resume from position 0 with the first 10 tokens as a prompt.
        free(c, 1);
        step(c, 10);
        AttentionView.Ring after = view(step(c, 11));
        assertArrayEquals(before.positions(), after.positions());
        assertArrayEquals(before.slots(), after.slots());
    }
}
