package dev.kvlab.cache;

import dev.kvlab.cache.check.SlotSimulator;
import static dev.kvlab.cache.CacheAsserts.attach;
import static dev.kvlab.cache.CacheAsserts.free;
import static dev.kvlab.cache.CacheAsserts.granted;
import static dev.kvlab.cache.CacheAsserts.seq;
import static dev.kvlab.cache.PagedCacheTest.NO_SHARING;
import static dev.kvlab.cache.PagedCacheTest.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Forking one prompt into n samples (the server's {@code n}) on the paged cache, 4-slot blocks: what is shared, what
 * is copied, what is held, and that everything comes back. Every operation checks the cache's invariants, and every
 * grant runs through the {@link SlotSimulator}, which checks that each query reads exactly its own sequence's K/V
 * (so a missing or wrong copy-on-write fails there).
 */
class PagedForkSamplesTest {

    /** Sequences by id: each one's tokens so far (prompt, then its own samples). */
    private final Map<Long, int[]> tokens = new HashMap<>();
    private final SlotSimulator sim = new SlotSimulator(80);

    private void grow(PagedCache c, long s, int token) {
        int[] t = Arrays.copyOf(tokens.get(s), tokens.get(s).length + 1);
        t[t.length - 1] = token;
        tokens.put(s, t);
        AllocRequest r = new AllocRequest(seq(s), t, 1, 64);
        sim.apply(r, granted(c, r));
    }

    private PagedCache prompt(CacheOptions options, int length) {
        PagedCache c = new PagedCache(spec(80), options);
        int[] prompt = CacheAsserts.tokens(100, length);
        tokens.put(0L, prompt);
        AllocRequest r = new AllocRequest(seq(0), prompt, length, 64);
        sim.apply(r, granted(c, r));
        return c;
    }

    private void fork(PagedCache c, long child) {
        c.fork(seq(0), seq(child));
        c.checkInvariants();
        tokens.put(child, tokens.get(0L).clone());
    }

    @Test
    void forkMidBlockSharesTheTailUntilEachFirstWriteCopiesIt() {
        // 6-token prompt: block 0 full, block 1 holds 2 of 4. Fork 3 children: 4 sequences, 2 blocks.
        PagedCache c = prompt(NO_SHARING, 6);
        for (long child = 1; child <= 3; child++) {
            fork(c, child);
        }
        assertEquals(2, c.memory().blocksUsed());
        assertEquals(4, c.refCount(0));
        assertEquals(4, c.refCount(1));
        assertEquals(6, c.memory().liveTokens(), "shared tokens count once");
        // Each sequence appends its own sample. The first three writers find the tail shared and copy it first; the
        // last one finds it its own (refCount 1) and writes in place: prompt blocks 2 + one tail per sample = 5.
        int copies = 0;
        for (long s = 0; s <= 3; s++) {
            int[] t = Arrays.copyOf(tokens.get(s), 7);
            t[6] = (int) (10 + s);
            tokens.put(s, t);
            AllocRequest r = new AllocRequest(seq(s), t, 1, 64);
            Allocation.Granted g = granted(c, r);
            copies += g.copies().size();
            if (s < 3) {
                assertEquals(List.of(new Allocation.SlotCopy(4, c.blockTable(seq(s))[1] * 4, 2)), g.copies());
            }
            sim.apply(r, g);
        }
        assertEquals(3, copies, "n - 1 copies: the last writer keeps the shared block");
        assertEquals(2 - 1 + 4, c.memory().blocksUsed(), "full prompt blocks + one tail per sample");
        assertEquals(4, c.refCount(0), "the full block stays shared");
        // Later writes land in each sample's own tail: no more copies.
        for (int step = 0; step < 5; step++) {
            for (long s = 0; s <= 3; s++) {
                grow(c, s, (int) (20 + step * 4 + s));
            }
        }
        assertEquals(1 + 4 * 2, c.memory().blocksUsed(), "12 tokens each: the shared block + 2 own blocks each");
    }

    @Test
    void forkAtABlockBoundarySharesOnlyFullBlocksAndCopiesNothing() {
        PagedCache c = prompt(NO_SHARING, 8);
        fork(c, 1);
        fork(c, 2);
        for (long s = 0; s <= 2; s++) {
            int[] t = Arrays.copyOf(tokens.get(s), 9);
            t[8] = (int) s;
            tokens.put(s, t);
            AllocRequest r = new AllocRequest(seq(s), t, 1, 64);
            Allocation.Granted g = granted(c, r);
            assertEquals(List.of(), g.copies());
            sim.apply(r, g);
        }
        assertEquals(2 + 3, c.memory().blocksUsed());
        assertEquals(3, c.refCount(c.blockTable(seq(0))[0]));
        assertEquals(3, c.refCount(c.blockTable(seq(0))[1]));
    }

    @Test
    void aForkedChildPreemptedAndResumedRecomputesBesideItsStillSharingSiblings() {
        // Prefix sharing on: the prompt's full blocks get registered as they are computed.
        PagedCache c = prompt(NO_SHARING.withPrefixSharing(true), 10);
        fork(c, 1);
        fork(c, 2);
        for (int step = 0; step < 3; step++) {
            for (long s = 0; s <= 2; s++) {
                grow(c, s, (int) (50 + 3 * step + s));
            }
        }
        int usedBefore = c.memory().blocksUsed();
        // Preempt child 1: its own tail goes back; the shared full blocks stay with 0 and 2.
        free(c, 1);
        sim.forget(seq(1));
        assertEquals(2, c.refCount(c.blockTable(seq(0))[0]));
        assertTrue(c.memory().blocksUsed() < usedBefore);
        // Resume it: attach the cached full blocks of its own tokens (the prompt's 2 full blocks, registered while
        // they were shared, and its own third block, freed but still findable), recompute the rest, and go on; its
        // siblings read their own K/V throughout.
        int[] mine = tokens.get(1L);
        int attached = attach(c, 1, mine);
        assertEquals(12, attached);
        assertEquals(3, c.refCount(c.blockTable(seq(0))[0]));
        AllocRequest r = new AllocRequest(seq(1), mine, mine.length - attached, 64);
        sim.apply(r, granted(c, r));
        for (long s = 0; s <= 2; s++) {
            grow(c, s, (int) (90 + s));
        }
        for (long s : new long[] {2, 0, 1}) {
            free(c, s);
        }
        assertEquals(0, c.memory().blocksUsed());
    }

    @Test
    void forkedSequencesFreeInAnyOrder() {
        for (List<Long> order : permutations(List.of(0L, 1L, 2L, 3L))) {
            tokens.clear();
            sim.clear();
            PagedCache c = prompt(NO_SHARING, 7);
            for (long child = 1; child <= 3; child++) {
                fork(c, child);
            }
            // Two of the samples write (copy-on-write), two never do: both kinds must come back.
            grow(c, 2, 7);
            grow(c, 0, 8);
            for (long s : order) {
                free(c, s);
                assertFalse(c.numTokens(seq(s)) > 0);
            }
            assertEquals(0, c.memory().blocksUsed(), "order " + order);
            assertEquals(20, c.freeQueue().size());
        }
    }

    @Test
    void randomForksWritesAndFreesKeepTheInvariantsAndReadTheirOwnKeys() {
        Random random = new Random(7);
        for (int round = 0; round < 30; round++) {
            tokens.clear();
            sim.clear();
            PagedCache c = prompt(NO_SHARING.withPrefixSharing(round % 2 == 0), 1 + random.nextInt(12));
            List<Long> live = new ArrayList<>(List.of(0L));
            long next = 1;
            for (int op = 0; op < 40 && !live.isEmpty(); op++) {
                long s = live.get(random.nextInt(live.size()));
                int kind = random.nextInt(10);
                if (kind < 2 && c.memory().blocksUsed() < 15) {
                    c.fork(seq(s), seq(next));
                    c.checkInvariants();
                    tokens.put(next, tokens.get(s).clone());
                    live.add(next++);
                } else if (kind < 3) {
                    free(c, s);
                    sim.forget(seq(s));
                    live.remove(Long.valueOf(s));
                } else if (tokens.get(s).length < 60 && c.memory().freeTokens() >= 8) {
                    grow(c, s, random.nextInt(50));
                }
            }
            for (long s : live) {
                free(c, s);
            }
            assertEquals(0, c.memory().blocksUsed(), "round " + round);
        }
    }

    @Test
    void strategiesThatCannotForkSaySo() {
        CacheSpec spec = spec(80);
        for (String name : List.of("none", "contiguous", "ring", "h2o", "int8")) {
            KvCache c = KvCacheRegistry.create(name, spec, CacheOptions.DEFAULTS.withBlockSize(4));
            assertFalse(c.canFork(), name);
            assertThrows(UnsupportedOperationException.class, () -> c.fork(seq(0), seq(1)), name);
        }
        assertTrue(new PagedCache(spec, NO_SHARING).canFork());
    }

    private static List<List<Long>> permutations(List<Long> items) {
        if (items.size() <= 1) {
            return List.of(items);
        }
        List<List<Long>> out = new ArrayList<>();
        for (Long first : items) {
            List<Long> rest = new ArrayList<>(items);
            rest.remove(first);
            for (List<Long> tail : permutations(rest)) {
                List<Long> p = new ArrayList<>();
                p.add(first);
                p.addAll(tail);
                out.add(p);
            }
        }
        return out;
    }
}
