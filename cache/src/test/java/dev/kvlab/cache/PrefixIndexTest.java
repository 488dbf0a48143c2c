package dev.kvlab.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class PrefixIndexTest {

    static PrefixIndex.Key key(PrefixIndex.Key parent, int... tokens) {
        return PrefixIndex.keyOf(parent, tokens, 0, tokens.length);
    }

    @Test
    void keysCompareContentsNotHashes() {
        PrefixIndex.Key a = key(null, 0, 31);
        PrefixIndex.Key b = key(null, 1, 0);
        assertEquals(a.hashCode(), b.hashCode()); // a real collision
        assertNotEquals(a, b);
        assertEquals(a, key(null, 0, 31));
        // Same block tokens after different parents: different keys, even though the parents' hashes collide.
        assertNotEquals(key(a, 5, 5), key(b, 5, 5));
        assertEquals(key(a, 5, 5), key(key(null, 0, 31), 5, 5));
        assertNotEquals(key(null, 5, 5), key(a, 5, 5));
    }

    @Test
    void registerFirstWinsAndForgetEvicts() {
        PrefixIndex index = new PrefixIndex(4);
        PrefixIndex.Key k = key(null, 1, 2);
        index.register(k, 2);
        index.register(key(null, 1, 2), 3); // same content in another block: the first stays
        index.register(key(null, 9, 9), 2); // block 2 is taken by k already
        assertEquals(Optional.of(2), index.find(key(null, 1, 2)));
        assertFalse(index.isRegistered(3));
        assertEquals(1, index.size());
        index.checkInvariants();
        index.forget(2);
        assertEquals(Optional.empty(), index.find(k));
        index.forget(2); // a no-op
        index.register(k, 3);
        assertTrue(index.isRegistered(3));
        index.checkInvariants();
    }
}
