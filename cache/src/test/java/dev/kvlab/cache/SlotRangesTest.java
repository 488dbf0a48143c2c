package dev.kvlab.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class SlotRangesTest {

    private static void check(SlotRanges r, SlotRanges.Range... taken) {
        r.checkTiling(List.of(taken));
    }

    @Test
    void firstFitSplitsTheLowestRangeThatFits() {
        SlotRanges r = new SlotRanges(10);
        assertEquals(OptionalInt.of(0), r.take(3));
        assertEquals(OptionalInt.of(3), r.take(4));
        assertEquals(List.of(new SlotRanges.Range(7, 3)), r.freeRanges());
        check(r, new SlotRanges.Range(0, 3), new SlotRanges.Range(3, 4));
        // [3, 7) back: free [3, 7) and [7, 10) coalesce; a range of 2 lands at 3, the lowest start.
        r.release(3, 4);
        assertEquals(List.of(new SlotRanges.Range(3, 7)), r.freeRanges());
        assertEquals(OptionalInt.of(3), r.take(2));
        assertEquals(5, r.freeTokens());
        assertEquals(OptionalInt.empty(), r.take(6));
    }

    @Test
    void releaseCoalescesWithBothNeighbours() {
        SlotRanges r = new SlotRanges(9);
        r.take(3);
        r.take(3);
        r.take(3);
        r.release(0, 3);
        r.release(6, 3);
        assertEquals(List.of(new SlotRanges.Range(0, 3), new SlotRanges.Range(6, 3)), r.freeRanges());
        assertEquals("fragmented: 6 free but no range of 4 (largest 3)", r.noRoomReason(4));
        r.release(3, 3);
        assertEquals(List.of(new SlotRanges.Range(0, 9)), r.freeRanges());
        check(r);
    }

    @Test
    void releasingAFreeRangeOrOutsideThePoolThrows() {
        SlotRanges r = new SlotRanges(8);
        r.take(4);
        assertThrows(IllegalStateException.class, () -> r.release(4, 2));
        assertThrows(IllegalStateException.class, () -> r.release(6, 4));
        assertThrows(IllegalStateException.class, () -> r.release(2, 4));
        check(r, new SlotRanges.Range(0, 4));
    }

    @Test
    void reasonsTellFullFromFragmentedFromTooBig() {
        SlotRanges r = new SlotRanges(8);
        r.take(6);
        assertEquals("full: 2 free, need a range of 3", r.noRoomReason(3));
        assertEquals("a range of 9 slots exceeds the pool of 8", r.noRoomReason(9));
    }

    @Test
    void tilingCheckCatchesOverlapAndGaps() {
        SlotRanges r = new SlotRanges(8);
        r.take(4);
        assertThrows(IllegalStateException.class, () -> check(r));
        assertThrows(IllegalStateException.class, () -> check(r, new SlotRanges.Range(0, 5)));
        SlotRanges empty = new SlotRanges(0);
        assertEquals(OptionalInt.empty(), empty.take(1));
        check(empty);
    }
}
