package dev.kvlab.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class BlockPoolTest {

    @Test
    void takeFromTheHeadReleaseToTheTailReviveFromTheMiddle() {
        BlockPool p = new BlockPool(4);
        assertEquals(0, p.takeFree());
        assertEquals(1, p.takeFree());
        assertEquals(List.of(2, 3), p.freeQueue());
        // 1 then 0 are released: they queue behind 2, 3.
        p.release(1);
        p.release(0);
        assertEquals(List.of(2, 3, 1, 0), p.freeQueue());
        // A prefix hit revives block 1 from the middle.
        p.addRef(1);
        assertEquals(List.of(2, 3, 0), p.freeQueue());
        // A second holder of block 1: still one used block.
        p.addRef(1);
        assertEquals(2, p.refCount(1));
        assertEquals(1, p.numUsed());
        p.checkInvariants();
        p.release(1);
        p.release(1);
        assertEquals(List.of(2, 3, 0, 1), p.freeQueue());
        p.checkInvariants();
    }

    @Test
    void misuseThrows() {
        BlockPool p = new BlockPool(1);
        assertThrows(IllegalStateException.class, () -> p.release(0));
        p.takeFree();
        assertThrows(IllegalStateException.class, p::takeFree);
        p.reset();
        assertEquals(List.of(0), p.freeQueue());
        p.checkInvariants();
    }
}
