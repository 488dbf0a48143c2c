package dev.kvlab.scheduler;

import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.AttentionView;
import java.util.Arrays;

/**
 * Test-only stand-in for the runtime's KV pool: one number per slot saying which (token, position) it holds.
 * {@link #run} does what the runtime does with a chunk's allocation (copies, writes, reads per the view) and checks
 * that every slot attention reads holds the sequence's own token at the right position. It catches a scheduler that
 * feeds a cache the wrong tokens or positions, and a cache that hands out a slot another sequence still reads.
 */
final class KvOracle {

    private static final long EMPTY = -1;
    private final long[] pool;

    KvOracle(int capacityTokens) {
        pool = new long[capacityTokens];
        Arrays.fill(pool, EMPTY);
    }

    void run(ScheduledChunk chunk) {
        Allocation.Granted granted = chunk.allocation();
        AttentionView view = granted.view();
        if (view instanceof AttentionView.Recompute) {
            require(granted.writeSlots().length == 0, chunk, "a recompute view stores nothing");
            return;
        }
        if (view instanceof AttentionView.Ring ring) { // read, then write
            for (int i = 0; i < ring.slots().length; i++) {
                require(ring.positions()[i] < chunk.firstPosition(), chunk, "a ring holds earlier positions only");
                expect(chunk, ring.slots()[i], ring.positions()[i]);
            }
            write(chunk, granted);
            return;
        }
        write(chunk, granted); // write, then read
        if (view instanceof AttentionView.Contiguous c) {
            require(c.numTokens() == chunk.endPosition(), chunk, "contiguous view covers the sequence");
            for (int p = 0; p < c.numTokens(); p++) {
                expect(chunk, c.baseSlot() + p, p);
            }
        } else if (view instanceof AttentionView.Paged paged) {
            require(paged.numTokens() == chunk.endPosition(), chunk, "paged view covers the sequence");
            for (int p = 0; p < paged.numTokens(); p++) {
                expect(chunk, paged.blockTable()[p / paged.blockSize()] * paged.blockSize() + p % paged.blockSize(), p);
            }
        }
    }

    private void write(ScheduledChunk chunk, Allocation.Granted granted) {
        for (Allocation.SlotCopy copy : granted.copies()) {
            System.arraycopy(pool, copy.fromSlot(), pool, copy.toSlot(), copy.numSlots());
        }
        int[] slots = granted.writeSlots();
        for (int i = 0; i < slots.length; i++) {
            int p = chunk.firstPosition() + granted.writeChunkIndex()[i];
            pool[slots[i]] = encode(chunk.tokenIds()[p], p);
        }
    }

    private void expect(ScheduledChunk chunk, int slot, int position) {
        long want = encode(chunk.tokenIds()[position], position);
        if (pool[slot] != want) {
            throw new AssertionError(chunk + ": slot " + slot + " should hold token " + chunk.tokenIds()[position]
                    + " at position " + position + " but holds " + describe(pool[slot]));
        }
    }

    private static long encode(int token, int position) {
        return ((long) token << 20) | position;
    }

    private static String describe(long v) {
        return v == EMPTY ? "nothing" : "token " + (v >>> 20) + " at position " + (v & 0xFFFFF);
    }

    private static void require(boolean ok, ScheduledChunk chunk, String rule) {
        if (!ok) {
            throw new AssertionError(chunk + ": " + rule);
        }
    }
}
