package dev.kvlab.cache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The tokens one sequence holds in one layer of an {@link EvictingCache}: entries (position, slot, score) in view
 * order, the blocks of that layer's pool it owns, and the free slots inside them (holes left by evicted tokens and
 * the unfilled tail), which the next tokens fill lowest slot first.
 *
 * <p>Invariants (checked by {@link #check}): positions distinct and in [0, seen); slots distinct and inside owned
 * blocks; held slots and free slots are disjoint and together are exactly the owned blocks' slots; every owned block
 * holds at least one entry (an emptied block goes back to the pool at once).
 */
final class LayerHeld implements LayerTokens {

    private final int blockSize;
    private int[] positions = new int[16];   // [capacity], first size used
    private int[] slots = new int[16];       // [capacity]
    private double[] scores = new double[16]; // [capacity]
    private int size;
    /** block -> entries held in it. */
    private final Map<Integer, Integer> heldPerBlock = new HashMap<>();
    private final TreeSet<Integer> freeSlots = new TreeSet<>();

    LayerHeld(int blockSize) {
        this.blockSize = blockSize;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int position(int i) {
        return positions[i];
    }

    @Override
    public double score(int i) {
        return scores[i];
    }

    @Override
    public void setScore(int i, double score) {
        scores[i] = score;
    }

    int slot(int i) {
        return slots[i];
    }

    int numFreeSlots() {
        return freeSlots.size();
    }

    int numBlocks() {
        return heldPerBlock.size();
    }

    /** Blocks needed from the pool to append {@code n} tokens. */
    int blocksNeeded(int n) {
        return Chunks.blocksFor(Math.max(0, n - freeSlots.size()), blockSize);
    }

    /** Takes ownership of an empty block from the pool: its slots become free. */
    void addBlock(int block) {
        heldPerBlock.put(block, 0);
        for (int s = block * blockSize; s < (block + 1) * blockSize; s++) {
            freeSlots.add(s);
        }
    }

    /** Appends position p in the lowest free slot, score 0. The caller made room with {@link #addBlock}. */
    void append(int p) {
        if (size == positions.length) {
            positions = Arrays.copyOf(positions, size * 2);
            slots = Arrays.copyOf(slots, size * 2);
            scores = Arrays.copyOf(scores, size * 2);
        }
        int slot = freeSlots.pollFirst();
        positions[size] = p;
        slots[size] = slot;
        scores[size] = 0;
        size++;
        heldPerBlock.merge(slot / blockSize, 1, Integer::sum);
    }

    /**
     * Removes the entries flagged in {@code evict} (shape [size]), keeping the others in order.
     *
     * @return the blocks left empty, which the caller gives back to the pool
     */
    List<Integer> remove(boolean[] evict) {
        List<Integer> emptied = new ArrayList<>();
        int w = 0;
        for (int i = 0; i < size; i++) {
            if (!evict[i]) {
                positions[w] = positions[i];
                slots[w] = slots[i];
                scores[w] = scores[i];
                w++;
                continue;
            }
            int block = slots[i] / blockSize;
            freeSlots.add(slots[i]);
            if (heldPerBlock.merge(block, -1, Integer::sum) == 0) {
                heldPerBlock.remove(block);
                emptied.add(block);
                for (int s = block * blockSize; s < (block + 1) * blockSize; s++) {
                    freeSlots.remove(s);
                }
            }
        }
        size = w;
        return emptied;
    }

    /** The owned blocks (any order). */
    List<Integer> blocks() {
        return new ArrayList<>(heldPerBlock.keySet());
    }

    int[] positionsCopy() {
        return Arrays.copyOf(positions, size);
    }

    int[] slotsCopy() {
        return Arrays.copyOf(slots, size);
    }

    void check(String where, int seen) {
        TreeSet<Integer> pos = new TreeSet<>();
        TreeSet<Integer> held = new TreeSet<>();
        Map<Integer, Integer> perBlock = new HashMap<>();
        for (int i = 0; i < size; i++) {
            if (positions[i] < 0 || positions[i] >= seen || !pos.add(positions[i])) {
                throw new IllegalStateException("positions distinct and in [0, seen): " + where + " position "
                        + positions[i] + " (seen " + seen + ")");
            }
            if (!held.add(slots[i]) || freeSlots.contains(slots[i])) {
                throw new IllegalStateException("held slots distinct and not free: " + where + " slot " + slots[i]);
            }
            perBlock.merge(slots[i] / blockSize, 1, Integer::sum);
        }
        if (!perBlock.equals(heldPerBlock)) {
            throw new IllegalStateException("every owned block holds an entry, counts match: " + where + " counted "
                    + perBlock + ", recorded " + heldPerBlock);
        }
        if (held.size() + freeSlots.size() != heldPerBlock.size() * blockSize) {
            throw new IllegalStateException("held + free slots = owned blocks' slots: " + where + " " + held.size()
                    + " + " + freeSlots.size() + " != " + heldPerBlock.size() + " x " + blockSize);
        }
        for (int s : freeSlots) {
            if (!heldPerBlock.containsKey(s / blockSize)) {
                throw new IllegalStateException("free slots lie in owned blocks: " + where + " slot " + s);
            }
        }
    }
}
