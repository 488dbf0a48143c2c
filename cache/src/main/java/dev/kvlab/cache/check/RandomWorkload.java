package dev.kvlab.cache.check;


import dev.kvlab.cache.AllocRequest;
import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.KvCache;
import dev.kvlab.cache.MemoryStats;
import dev.kvlab.cache.SeqId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Random;

/**
 * A seeded random scheduler driving one cache like the engine would: sequences from a few shared prompt families are
 * admitted (with {@link KvCache#attachPrefix}), prefilled in random chunks, decoded, finished, preempted on NoRoom
 * and resumed from position 0, sometimes preempted after a grant but before the step ran, and now and then the whole
 * cache is reset. Every granted chunk goes through the {@link SlotSimulator}; invariants are checked after every
 * operation.
 */
public final class RandomWorkload {

    private static final int MAX_RUNNING = 9;
    private static final int VOCAB = 8;

    /** One request as the scheduler sees it. tokens: the whole sequence it will have; shape [maxTokens]. */
    private static final class Seq {
        final long id;
        final int[] tokens;
        int promptLength;
        /** The request's prompt, kept across preemption (promptLength grows to what must be recomputed). */
        final int originalPrompt;
        int computed;

        Seq(long id, int[] tokens, int promptLength) {
            this.id = id;
            this.tokens = tokens;
            this.promptLength = promptLength;
            this.originalPrompt = promptLength;
        }
    }

    private final KvCache cache;
    private final Random random;
    private final SlotSimulator sim;
    private final int[][] families;
    private final List<Seq> running = new ArrayList<>();
    private final Deque<Seq> waiting = new ArrayDeque<>();
    private long nextId = 1;
    /** Runs after each chunk's statistics were observed: a test's extra check (budgets). */
    private java.util.function.Consumer<SeqId> afterObserve = seq -> { };

    public RandomWorkload(KvCache cache, long seed) {
        this.cache = cache;
        this.random = new Random(seed);
        this.sim = new SlotSimulator(cache.spec().capacityTokens());
        this.families = new int[3][];
        for (int f = 0; f < families.length; f++) {
            families[f] = randomTokens(12);
        }
    }

    /** With {@code full}, every Held view must read all positions (a budget that never binds). */
    public RandomWorkload requireFullReads(boolean full) {
        sim.held.requireFull = full;
        return this;
    }

    public RandomWorkload afterObserve(java.util.function.Consumer<SeqId> check) {
        this.afterObserve = check;
        return this;
    }

    public SlotSimulator simulator() {
        return sim;
    }

    /** Runs {@code operations} random operations; throws {@link RuleViolation} at the first broken rule. */
    public void run(int operations) {
        for (int i = 0; i < operations; i++) {
            int r = random.nextInt(100);
            if (running.isEmpty() || (running.size() < MAX_RUNNING && r < 20)) {
                admit();
            } else if (r < 24) {
                finish(pick());
            } else if (r < 25) {
                resetAll();
            } else {
                step(pick());
            }
            check();
        }
    }

    private void admit() {
        Seq s = waiting.isEmpty() ? newSeq() : waiting.poll();
        int attached = cache.attachPrefix(new SeqId(s.id), Arrays.copyOf(s.tokens, s.promptLength));
        Rules.check(attached >= 0 && attached < s.promptLength, "attachPrefix leaves at least the last prompt token to compute",
                attached + " of " + s.promptLength);
        s.computed = attached;
        running.add(s);
    }

    private Seq newSeq() {
        int maxTokens = 6 + random.nextInt(35);
        int promptLength = 2 + random.nextInt(maxTokens - 2);
        int[] tokens = randomTokens(maxTokens);
        int[] family = families[random.nextInt(families.length)];
        System.arraycopy(family, 0, tokens, 0, Math.min(random.nextInt(family.length + 1), promptLength));
        return new Seq(nextId++, tokens, promptLength);
    }

    private void step(Seq s) {
        int chunk = s.computed < s.promptLength ? 1 + random.nextInt(s.promptLength - s.computed)
                : Math.min(1 + random.nextInt(2), s.tokens.length - s.computed);
        int[] upTo = Arrays.copyOf(s.tokens, s.computed + chunk);
        AllocRequest request = new AllocRequest(new SeqId(s.id), upTo, chunk, s.tokens.length,
                s.originalPrompt);
        MemoryStats before = cache.memory();
        Allocation a = cache.allocate(request);
        if (a instanceof Allocation.Granted g) {
            if (random.nextInt(20) == 0) {
                preempt(s); // the step never ran: nothing was written
                return;
            }
            sim.apply(request, g);
            cache.observe(request.seq(), HeldSimulator.stats(request, g, cache.spec().numHeads(), random));
            afterObserve.accept(request.seq());
            s.computed += chunk;
            if (s.computed == s.tokens.length) {
                finish(s);
            }
        } else {
            Rules.same(before, cache.memory(), "NoRoom leaves the cache unchanged");
            Rules.same(s.computed, cache.numTokens(request.seq()), "NoRoom leaves numTokens unchanged");
            Seq victim = running.size() > 1 ? running.get(running.size() - 1) : s;
            if (victim == s && running.size() > 1) {
                victim = running.get(running.size() - 2);
            }
            preempt(victim);
        }
    }

    /** Frees the sequence and requeues it: it resumes from position 0 with every token so far as its prompt. */
    private void preempt(Seq s) {
        cache.free(new SeqId(s.id));
        sim.forget(new SeqId(s.id));
        running.remove(s);
        s.promptLength = Math.max(s.promptLength, s.computed);
        s.computed = 0;
        waiting.add(s);
    }

    private void finish(Seq s) {
        cache.free(new SeqId(s.id));
        sim.forget(new SeqId(s.id));
        running.remove(s);
        Rules.same(0, cache.numTokens(new SeqId(s.id)), "free forgets the sequence (numTokens 0)");
    }

    private void resetAll() {
        cache.reset();
        sim.clear();
        running.clear();
        waiting.clear();
        Rules.same(0, cache.memory().reservedTokens(), "reset leaves nothing reserved");
    }

    private Seq pick() {
        return running.get(random.nextInt(running.size()));
    }

    private int[] randomTokens(int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = random.nextInt(VOCAB);
        }
        return t;
    }

    private void check() {
        Rules.invariants(cache);
        Rules.memoryConsistent(cache.memory());
        for (Seq s : running) {
            Rules.same(s.computed, cache.numTokens(new SeqId(s.id)), "numTokens counts the tokens the cache has seen");
        }
    }
}
