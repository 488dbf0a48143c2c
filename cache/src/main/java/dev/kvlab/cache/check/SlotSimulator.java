package dev.kvlab.cache.check;


import dev.kvlab.cache.AllocRequest;
import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.AttentionView;
import dev.kvlab.cache.SeqId;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * Stands in for the runtime: a plain int array is the K/V pool and each slot stores {@code position * 1000 + tokenId}
 * of the token written there. {@link #apply} does exactly what the runtime does with a {@link Allocation.Granted}
 * (copies, writes, reads per view) and checks that every query position reads exactly the keys it must:
 * all j &lt;= p for full attention, the sink/window rule for a ring view; {@link AttentionView.Held} views go to the
 * {@link HeldSimulator}, which keeps one pool per layer.
 */
public final class SlotSimulator {

    static final int UNWRITTEN = -1;

    /** The pool: one int per slot; shape [capacityTokens]. */
    private final int[] pool;

    /** The simulator of Held views (one pool per layer). */
    public final HeldSimulator held;

    public SlotSimulator(int capacityTokens) {
        this.pool = new int[capacityTokens];
        this.held = new HeldSimulator(capacityTokens);
        clear();
    }

    /** Forgets every slot's content (a reset cache must never read what was there before). */
    public void clear() {
        Arrays.fill(pool, UNWRITTEN);
        held.clear();
    }

    /** The sequence was freed or preempted. */
    public void forget(SeqId seq) {
        held.forget(seq);
    }

    static int encode(int position, int tokenId) {
        return position * 1000 + tokenId;
    }

    /** Runs one granted chunk; returns the keys the chunk's last query read (encoded), for comparisons. */
    public Set<Integer> apply(AllocRequest request, Allocation.Granted granted) {
        int[] tokens = request.tokenIds();
        int first = request.firstPosition();
        checkWrites(request, granted);
        AttentionView view = granted.view();
        if (view instanceof AttentionView.Recompute) {
            return recompute(request, granted);
        }
        if (view instanceof AttentionView.Held h) {
            Rules.check(granted.copies().isEmpty(), "a Held view copies nothing", granted.copies());
            return held.apply(request, h);
        }
        if (view instanceof AttentionView.Ring r) {
            Set<Integer> keys = readRing(tokens, first, r);
            write(request, granted);
            return keys;
        }
        write(request, granted);
        if (view instanceof AttentionView.Contiguous c) {
            Rules.same(tokens.length, c.numTokens(), "a contiguous view covers every token seen");
            return readAll(tokens, first, j -> c.baseSlot() + j);
        }
        AttentionView.Paged p = (AttentionView.Paged) view;
        Rules.same(tokens.length, p.numTokens(), "a paged view covers every token seen");
        return readAll(tokens, first, j -> p.blockTable()[j / p.blockSize()] * p.blockSize() + j % p.blockSize());
    }

    private Set<Integer> recompute(AllocRequest request, Allocation.Granted granted) {
        Rules.same(0, granted.writeSlots().length, "a recompute view stores nothing");
        return expectedFull(request.tokenIds(), request.tokenIds().length - 1);
    }

    /** Slots inside the pool, no slot twice, chunk indices inside the chunk. */
    private void checkWrites(AllocRequest request, Allocation.Granted granted) {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < granted.writeSlots().length; i++) {
            int slot = granted.writeSlots()[i];
            int idx = granted.writeChunkIndex()[i];
            Rules.check(slot >= 0 && slot < pool.length, "write slots lie inside the pool", "slot " + slot);
            Rules.check(idx >= 0 && idx < request.numNewTokens(), "write chunk indices lie inside the chunk", "index " + idx);
            Rules.check(seen.add(slot), "no slot is written twice in one step", "slot " + slot);
        }
    }

    private void write(AllocRequest request, Allocation.Granted granted) {
        for (Allocation.SlotCopy c : granted.copies()) {
            System.arraycopy(pool, c.fromSlot(), pool, c.toSlot(), c.numSlots());
        }
        for (int i = 0; i < granted.writeSlots().length; i++) {
            int p = request.firstPosition() + granted.writeChunkIndex()[i];
            pool[granted.writeSlots()[i]] = encode(p, request.tokenIds()[p]);
        }
    }

    /** Write-then-read views: query p reads slots of positions [0, p]. */
    private Set<Integer> readAll(int[] tokens, int first, java.util.function.IntUnaryOperator slotOf) {
        Set<Integer> keys = Set.of();
        for (int p = first; p < tokens.length; p++) {
            keys = new TreeSet<>();
            for (int j = 0; j <= p; j++) {
                keys.add(pool[slotOf.applyAsInt(j)]);
            }
            Rules.same(expectedFull(tokens, p), keys, "query p reads exactly the K/V of positions [0, p] (query " + p + ")");
        }
        return keys;
    }

    /** Read-then-write: held tokens from the pool plus the chunk itself, masked by the sink/window rule. */
    private Set<Integer> readRing(int[] tokens, int first, AttentionView.Ring r) {
        int[] available = new int[r.slots().length + tokens.length - first];
        int[] positions = new int[available.length];
        for (int i = 0; i < r.slots().length; i++) {
            available[i] = pool[r.slots()[i]];
            positions[i] = r.positions()[i];
            if (available[i] != encode(positions[i], tokens[positions[i]])) {
                Rules.check(false, "a ring view's held slots hold their positions' K/V", "slot " + r.slots()[i]
                        + " of position " + positions[i] + " holds " + available[i]);
            }
        }
        for (int p = first; p < tokens.length; p++) {
            available[r.slots().length + p - first] = encode(p, tokens[p]);
            positions[r.slots().length + p - first] = p;
        }
        Set<Integer> keys = Set.of();
        for (int p = first; p < tokens.length; p++) {
            keys = new TreeSet<>();
            for (int i = 0; i < available.length; i++) {
                if (seesInWindow(p, positions[i], r.sinks(), r.window())) {
                    keys.add(available[i]);
                }
            }
            Rules.same(expectedRing(tokens, p, r.sinks(), r.window()), keys,
                    "ring query p reads exactly its sinks and window (query " + p + ")");
        }
        return keys;
    }

    static boolean seesInWindow(int p, int j, int sinks, int window) {
        return j <= p && (j < sinks || j > p - (window - sinks));
    }

    static Set<Integer> expectedFull(int[] tokens, int p) {
        Set<Integer> out = new TreeSet<>();
        for (int j = 0; j <= p; j++) {
            out.add(encode(j, tokens[j]));
        }
        return out;
    }

    static Set<Integer> expectedRing(int[] tokens, int p, int sinks, int window) {
        Set<Integer> out = new TreeSet<>();
        for (int j = 0; j <= p; j++) {
            if (seesInWindow(p, j, sinks, window)) {
                out.add(encode(j, tokens[j]));
            }
        }
        return out;
    }
}
