package dev.kvlab.cache;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The paged pool's blocks: a reference count per block and the free queue (vLLM {@code BlockPool} +
 * {@code FreeKVCacheBlockQueue}). Pure bookkeeping; block b covers pool slots {@code [b * blockSize, (b+1) * blockSize)}.
 *
 * <p>The free queue holds every block with refCount 0 in eviction order: {@link #takeFree} pops the head, a released
 * block joins the tail. A free block may still hold a cached prefix (see {@link PrefixIndex}); a prefix hit revives it
 * with {@link #addRef}, which removes it from the middle of the queue in O(1) (a {@link LinkedHashSet}), so the least
 * recently freed cached block is the one evicted (LRU).
 *
 * <p>Invariants: refCount &gt;= 0; a block is in the free queue iff its refCount is 0;
 * numFree + numUsed = numBlocks.
 */
final class BlockPool {

    /** refCount[b]: how many block tables hold block b; shape [numBlocks]. */
    private final int[] refCount;
    /** Blocks with refCount 0, head = next to reuse. */
    private final LinkedHashSet<Integer> freeQueue = new LinkedHashSet<>();
    private int numUsed;

    BlockPool(int numBlocks) {
        this.refCount = new int[numBlocks];
        reset();
    }

    /** Every block free, queued in id order 0, 1, ..., numBlocks - 1. */
    void reset() {
        java.util.Arrays.fill(refCount, 0);
        freeQueue.clear();
        for (int b = 0; b < refCount.length; b++) {
            freeQueue.add(b);
        }
        numUsed = 0;
    }

    /** Pops the head of the free queue and gives it refCount 1. The caller checks {@link #numFree} first. */
    int takeFree() {
        Iterator<Integer> head = freeQueue.iterator();
        if (!head.hasNext()) {
            throw new IllegalStateException("takeFree on an empty free queue: the caller must check numFree first");
        }
        int block = head.next();
        head.remove();
        refCount[block] = 1;
        numUsed++;
        return block;
    }

    /** One more table holds {@code block}; a free (cached) block leaves the free queue. */
    void addRef(int block) {
        if (refCount[block]++ == 0) {
            freeQueue.remove(block);
            numUsed++;
        }
    }

    /** One table fewer holds {@code block}; at refCount 0 it joins the tail of the free queue. */
    void release(int block) {
        if (refCount[block] <= 0) {
            throw new IllegalStateException("release of free block " + block);
        }
        if (--refCount[block] == 0) {
            freeQueue.add(block);
            numUsed--;
        }
    }

    int refCount(int block) {
        return refCount[block];
    }

    int numBlocks() {
        return refCount.length;
    }

    int numFree() {
        return freeQueue.size();
    }

    int numUsed() {
        return numUsed;
    }

    /** The free queue, head first (for tests and logs). */
    List<Integer> freeQueue() {
        return new ArrayList<>(freeQueue);
    }

    void checkInvariants() {
        int used = 0;
        for (int b = 0; b < refCount.length; b++) {
            if (refCount[b] < 0) {
                throw new IllegalStateException("refCount >= 0: block " + b + " has " + refCount[b]);
            }
            if ((refCount[b] == 0) != freeQueue.contains(b)) {
                throw new IllegalStateException("in free queue iff refCount == 0: block " + b + " refCount "
                        + refCount[b] + ", queued " + freeQueue.contains(b));
            }
            used += refCount[b] > 0 ? 1 : 0;
        }
        if (used != numUsed || numFree() + numUsed != numBlocks()) {
            throw new IllegalStateException("free + used = total: " + numFree() + " + " + numUsed + " != "
                    + numBlocks() + " (counted used " + used + ")");
        }
    }
}
