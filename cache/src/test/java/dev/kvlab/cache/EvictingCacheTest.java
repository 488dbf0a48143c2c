package dev.kvlab.cache;

import static dev.kvlab.cache.PolicyDriver.f;
import static dev.kvlab.cache.PolicyDriver.viewPositions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The bookkeeping under the policies: exact bytes, per-layer pools, NoRoom atomicity, the observe protocol. */
class EvictingCacheTest {

    /** 2 layers, 2 heads of 4, fp32, 16 slots per layer: 4 blocks of 4. */
    static final CacheSpec SPEC = new CacheSpec(2, 2, 4, 4, 16, 64);
    static final CacheOptions OPTIONS = CacheOptions.DEFAULTS.withBlockSize(4).withWindow(8, 0);

    @Test
    void int8BytesCountElementsAndScales() {
        PolicyDriver d = new PolicyDriver("int8", SPEC, OPTIONS, 5, 16);
        d.chunk(5);
        MemoryStats m = d.cache.memory();
        // per layer and token: K and V int8 (2 x 2 x 4 = 16 B) + a value scale per head (2 x 4 B) = 24 B;
        // per layer and block: key scales per channel (2 x 4 x 4 B) = 32 B; a block = 4 x 24 + 32 = 128 B
        assertEquals(2 * 2 * 128, m.reservedBytes(), "2 layers x 2 blocks");
        assertEquals(2 * 5 * 24 + 2 * 2 * 32, m.liveBytes(), "5 tokens per layer + the key scales of their blocks");
        assertEquals(2 * (16 * 24 + 4 * 32), m.capacityBytes());
        assertEquals(KvStorage.Kind.INT8, d.cache.storage().kind());

        PolicyDriver fp32 = new PolicyDriver("h2o", SPEC, OPTIONS, 5, 16);   // the same pool in fp32
        fp32.chunk(5);
        MemoryStats full = fp32.cache.memory();
        assertEquals(8 * SPEC.bytesPerToken(), full.reservedBytes(), "8 slots of 2 layers x 2 x 2 x 4 x 4 B");
        assertEquals(5 * SPEC.bytesPerToken(), full.liveBytes());
        assertEquals(SPEC.capacityTokens() * SPEC.bytesPerToken(), full.capacityBytes());
    }

    @Test
    void layersReserveSeparatelyAndNoRoomInOneLayerChangesNothing() {
        CacheOptions mix = OPTIONS.withEviction(EvictionOptions.DEFAULTS.withBudget(3));
        EvictingCache cache = (EvictingCache) PolicyStrategies.create("mix", SPEC, mix);
        SeqId a = new SeqId(1);
        cache.allocate(new AllocRequest(a, Chunks.range(0, 9), 9, 16, 9));
        cache.observe(a, StepStats.NONE);   // layer 1 (windowed) keeps 6, 7 (block 1) and 8 (block 2): block 0 goes
        cache.checkInvariants();
        assertArrayEquals(new int[] {6, 7, 8}, cache.heldPositions(a, 1));
        MemoryStats m = cache.memory();
        assertEquals((3 + 2) * 4 * 64, m.reservedBytes(), "layer 0: 3 blocks, layer 1: 2 blocks, 64 B per slot");
        assertEquals((9 + 3) * 64, m.liveBytes());
        assertEquals(5, m.blocksUsed());
        assertEquals((12 + 8) / 2, m.reservedTokens(), "tokens: reserved slots averaged over the layers");
        assertEquals((9 + 3) / 2, m.liveTokens());

        SeqId b = new SeqId(2);
        Allocation no = cache.allocate(new AllocRequest(b, Chunks.range(0, 5), 5, 16, 5));
        assertEquals(Allocation.NoRoom.class, no.getClass(), "layer 0 has 1 free block, 5 tokens need 2");
        cache.checkInvariants();
        assertEquals(m, cache.memory(), "NoRoom leaves every layer unchanged");
        assertEquals(0, cache.numTokens(b));
        assertEquals(Allocation.Granted.class,
                cache.allocate(new AllocRequest(b, Chunks.range(0, 4), 4, 16, 4)).getClass());
        cache.checkInvariants();
    }

    @Test
    void statisticsOfTheWrongShapeAreRejected() {
        PolicyDriver d = new PolicyDriver("h2o", SPEC, OPTIONS.withEviction(EvictionOptions.DEFAULTS.withBudget(2)),
                3, 16);
        d.chunk(3);
        float[][] oneLayer = {f(1, 1, 1), f(1, 1, 1)};
        assertThrows(IllegalArgumentException.class, () -> d.cache.observe(PolicyDriver.SEQ,
                new StepStats(new float[][][] {oneLayer}, new float[0][][])), "two layers were asked for");
        assertThrows(IllegalArgumentException.class, () -> d.cache.observe(PolicyDriver.SEQ, StepStats.NONE),
                "attention was asked for");
        float[][] shortHead = {f(1, 1), f(1, 1, 1)};
        assertThrows(IllegalArgumentException.class, () -> d.cache.observe(PolicyDriver.SEQ,
                new StepStats(new float[][][] {oneLayer, shortHead}, new float[0][][])), "three keys per head");
        d.cache.checkInvariants();
        d.observeAttention(oneLayer, oneLayer);   // the right shape still lands
        assertEquals(2, d.cache.numHeldTokens(PolicyDriver.SEQ, 0));
    }

    @Test
    void aGrantNeverObservedEvictsNothingAndObservingTwiceIsIgnored() {
        PolicyDriver d = new PolicyDriver("h2o", SPEC, OPTIONS.withEviction(EvictionOptions.DEFAULTS.withBudget(2)),
                5, 16);
        d.chunk(5);   // the step never reports back
        Allocation.Granted g = d.chunk(6);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, viewPositions(g, 0), "nothing was evicted");
        float[][] six = {f(1, 0, 0, 0, 0, 0), f(0, 0, 0, 0, 0, 1)};
        d.observeAttention(six, six);
        d.assertHeld(0, 0, 5);
        d.observeAttention(six, six);   // no grant awaits statistics: ignored
        d.assertHeld(0, 0, 5);
        d.cache.observe(new SeqId(99), StepStats.NONE);   // unknown sequence: ignored
        d.cache.checkInvariants();
    }

    @Test
    void tokenEvictionRefillsHolesAndBlockEvictionReturnsBlocks() {
        CacheOptions token = OPTIONS.withEviction(EvictionOptions.DEFAULTS.withBudget(4).withRecentWindow(0));
        PolicyDriver t = new PolicyDriver("h2o", SPEC, token, 8, 16);
        t.chunk(8);   // blocks 0 and 1 in each layer
        float[][] scores = {f(1, 0, 1, 0, 1, 0, 1, 0), f(1, 0, 1, 0, 1, 0, 1, 0)};
        t.observeAttention(scores, scores);
        t.assertHeld(0, 0, 2, 4, 6);
        assertEquals(2 * 2, t.cache.memory().blocksUsed(), "holes: every block still holds a token");
        t.chunk(12);   // 4 new tokens fill the 4 holes: no new block
        assertEquals(2 * 2, t.cache.memory().blocksUsed());

        CacheOptions block = token.withEviction(token.eviction().withGranularity(EvictionOptions.Granularity.BLOCK));
        PolicyDriver b = new PolicyDriver("h2o", SPEC, block, 8, 16);
        b.chunk(8);
        float[][] byBlock = {f(1, 1, 1, 1, 0, 0, 0, 0), f(1, 1, 1, 1, 0, 0, 0, 0)};
        b.observeAttention(byBlock, byBlock);
        b.assertHeld(0, 0, 1, 2, 3);
        assertEquals(2, b.cache.memory().blocksUsed(), "the lighter block went back in both layers");
        b.chunk(12);
        assertEquals(2 * 2, b.cache.memory().blocksUsed(), "new tokens need a fresh block");
    }
}
