package dev.kvlab.cache;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bookkeeping shared by the eviction strategies ({@code h2o}, {@code tova}, {@code snapkv}, {@code knorm},
 * {@code mix}) and {@code int8}: a paged pool per layer (each layer has its own slot space and a {@link BlockPool}
 * of {@code capacityTokens / blockSize} blocks), a {@link LayerHeld} per sequence and layer, and an
 * {@link EvictionPolicy} that decides. Every chunk is answered with an {@link AttentionView.Held} view (what each
 * layer holds, the chunk last) and the policy's {@link StatsRequest}; {@link #observe} hands the statistics to the
 * policy layer by layer and evicts what it no longer keeps, a token at a time ({@link EvictionOptions.Granularity#TOKEN}:
 * the slot becomes a hole the next token fills) or a whole block ({@link EvictionOptions.Granularity#BLOCK}).
 * A caller that never calls {@code observe} gets a cache that never evicts.
 *
 * <p>Prefix sharing is off (held sets diverge per layer after the first eviction). Recompute after preemption
 * starts the sequence afresh: its first chunk then attends to every token, so it need not reproduce the views the
 * sequence had before.
 *
 * <p>Invariants: each layer's pool is consistent ({@link BlockPool}) and each used block is owned by exactly one
 * sequence in that layer; every {@link LayerHeld} is consistent; memory: live &lt;= reserved &lt;= capacity in tokens
 * and bytes, peak &gt;= reserved, reserved bytes = owned blocks × the storage's bytes per block.
 */
public final class EvictingCache implements KvCache {

    /** One sequence: tokens seen, what each layer holds, and the grant awaiting its statistics. */
    private static final class Seq {
        int numTokens;
        final LayerHeld[] layers;
        Pending pending;

        Seq(int numLayers, int blockSize) {
            layers = new LayerHeld[numLayers];
            for (int l = 0; l < numLayers; l++) {
                layers[l] = new LayerHeld(blockSize);
            }
        }
    }

    /** A granted chunk whose step has not been observed yet. */
    private record Pending(StepContext step, StatsRequest request, AttentionView.Held view) {
    }

    private final String name;
    private final CacheSpec spec;
    private final int blockSize;
    private final EvictionOptions.Granularity granularity;
    private final EvictionPolicy policy;
    private final KvStorage storage;
    private final BlockPool[] pools;
    private final Map<SeqId, Seq> seqs = new LinkedHashMap<>();
    private int peakReservedTokens;
    private long peakReservedBytes;

    /**
     * @param name    the registry name
     * @param policy  decides what to keep
     * @param storage MODEL, or INT8 with {@code groupTokens == options.blockSize()}
     */
    public EvictingCache(String name, CacheSpec spec, CacheOptions options, EvictionPolicy policy, KvStorage storage) {
        if (storage.kind() == KvStorage.Kind.INT8 && storage.groupTokens() != options.blockSize()) {
            throw new IllegalArgumentException("int8 key scales are per block: groupTokens " + storage.groupTokens()
                    + " != block size " + options.blockSize());
        }
        this.name = name;
        this.spec = spec;
        this.blockSize = options.blockSize();
        this.granularity = options.eviction().granularity();
        this.policy = policy;
        this.storage = storage;
        this.pools = new BlockPool[spec.numLayers()];
        for (int l = 0; l < pools.length; l++) {
            pools[l] = new BlockPool(spec.capacityTokens() / blockSize);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CacheSpec spec() {
        return spec;
    }

    @Override
    public KvStorage storage() {
        return storage;
    }

    @Override
    public boolean canEverHold(int numTokens) {
        return Chunks.blocksFor(numTokens, blockSize) <= pools[0].numBlocks();   // a budget that never binds
    }

    @Override
    public Allocation allocate(AllocRequest request) {
        Seq s = seqs.get(request.seq());
        Chunks.requireContinues(request, s == null ? 0 : s.numTokens);
        Seq seq = s == null ? new Seq(spec.numLayers(), blockSize) : s;
        int n = request.numNewTokens();
        for (int l = 0; l < pools.length; l++) {
            int need = seq.layers[l].blocksNeeded(n);
            if (need > pools[l].numFree()) {
                return new Allocation.NoRoom(need * blockSize, pools[l].numFree() * blockSize, name + ": "
                        + request.seq() + " needs " + need + " blocks in layer " + l + ", " + pools[l].numFree()
                        + " free of " + pools[l].numBlocks());
            }
        }
        for (int l = 0; l < pools.length; l++) {
            LayerHeld held = seq.layers[l];
            for (int b = held.blocksNeeded(n); b > 0; b--) {
                held.addBlock(pools[l].takeFree());
            }
            for (int p = request.firstPosition(); p < request.endPosition(); p++) {
                held.append(p);
            }
        }
        seq.numTokens = request.endPosition();
        seqs.put(request.seq(), seq);
        updatePeak();
        StepContext step = StepContext.of(request);
        AttentionView.Held view = viewOf(seq);
        StatsRequest stats = policy.statsFor(step);
        seq.pending = new Pending(step, stats, view);
        return new Allocation.Granted(new int[0], new int[0], view, List.of(), stats);
    }

    /** Each layer's entries; layers holding the same as layer 0 share its arrays. */
    private AttentionView.Held viewOf(Seq seq) {
        int[][] slots = new int[seq.layers.length][];
        int[][] positions = new int[seq.layers.length][];
        for (int l = 0; l < slots.length; l++) {
            slots[l] = seq.layers[l].slotsCopy();
            positions[l] = seq.layers[l].positionsCopy();
            if (l > 0 && Arrays.equals(slots[l], slots[0]) && Arrays.equals(positions[l], positions[0])) {
                slots[l] = slots[0];
                positions[l] = positions[0];
            }
        }
        return new AttentionView.Held(slots, positions);
    }

    /**
     * Gives the policy the step's statistics, layer by layer, and evicts what it no longer keeps. Ignored for a
     * sequence with no grant awaiting them (freed, or observed already).
     *
     * @throws IllegalArgumentException when the statistics do not have the shape the grant asked for
     */
    @Override
    public void observe(SeqId id, StepStats stats) {
        Seq seq = seqs.get(id);
        if (seq == null || seq.pending == null) {
            return;
        }
        Pending p = seq.pending;
        stats.requireShape(p.request(), p.view(), p.step().numNewTokens(), spec.numHeads());
        seq.pending = null;
        for (int l = 0; l < seq.layers.length; l++) {
            LayerHeld held = seq.layers[l];
            int keep = policy.update(p.step(), l, held, LayerStats.of(stats, l));
            if (held.size() > keep) {
                evict(p.step(), l, held, keep);
            }
        }
    }

    private void evict(StepContext step, int layer, LayerHeld held, int keep) {
        boolean[] evict = granularity == EvictionOptions.Granularity.TOKEN
                ? EvictionOrder.tokens(step, layer, held, keep, policy)
                : EvictionOrder.blocks(step, layer, held, keep, policy, blockSize);
        for (int block : held.remove(evict)) {
            pools[layer].release(block);
        }
    }

    @Override
    public void free(SeqId id) {
        Seq seq = seqs.remove(id);
        if (seq != null) {
            for (int l = 0; l < pools.length; l++) {
                for (int block : seq.layers[l].blocks()) {
                    pools[l].release(block);
                }
            }
        }
    }

    @Override
    public void reset() {
        seqs.clear();
        for (BlockPool pool : pools) {
            pool.reset();
        }
        peakReservedTokens = 0;
        peakReservedBytes = 0;
    }

    @Override
    public int numTokens(SeqId id) {
        Seq seq = seqs.get(id);
        return seq == null ? 0 : seq.numTokens;
    }

    /** Tokens {@code seq} holds in {@code layer} now; 0 for an unknown sequence. */
    public int numHeldTokens(SeqId id, int layer) {
        Seq seq = seqs.get(id);
        return seq == null ? 0 : seq.layers[layer].size();
    }

    /** Positions {@code seq} holds in {@code layer}, ascending; empty for an unknown sequence. */
    public int[] heldPositions(SeqId id, int layer) {
        Seq seq = seqs.get(id);
        if (seq == null) {
            return new int[0];
        }
        int[] p = seq.layers[layer].positionsCopy();
        Arrays.sort(p);
        return p;
    }

    private void updatePeak() {
        MemoryStats m = memory();
        peakReservedTokens = Math.max(peakReservedTokens, m.reservedTokens());
        peakReservedBytes = Math.max(peakReservedBytes, m.reservedBytes());
    }

    /**
     * Tokens are per-layer slot counts averaged over layers, rounded up; bytes are exact: an owned block costs
     * {@link KvStorage#groupBytes} bytes per layer (K, V and, for int8, their scales), a live token its element and
     * value-scale bytes plus the key scales of the blocks holding it.
     */
    @Override
    public MemoryStats memory() {
        int layers = spec.numLayers();
        long reservedSlots = 0;
        long liveSlots = 0;
        int blocksUsed = 0;
        for (BlockPool pool : pools) {
            blocksUsed += pool.numUsed();
        }
        reservedSlots = (long) blocksUsed * blockSize;
        for (Seq seq : seqs.values()) {
            for (LayerHeld held : seq.layers) {
                liveSlots += held.size();
            }
        }
        long tokenBytes = storage.tokenBytesPerLayer(spec);
        long groupExtra = storage.groupBytesPerLayer(spec);
        int blocksPerLayer = pools[0].numBlocks();
        long capacityBytes = layers * (spec.capacityTokens() * tokenBytes + blocksPerLayer * groupExtra);
        long reservedBytes = reservedSlots * tokenBytes + blocksUsed * groupExtra;
        long liveBytes = liveSlots * tokenBytes + blocksUsed * groupExtra;   // every owned block holds a live token
        long bytesPerToken = layers * tokenBytes + layers * groupExtra / blockSize;
        return new MemoryStats(spec.capacityTokens(), ceilDiv(reservedSlots, layers), ceilDiv(liveSlots, layers),
                Math.max(peakReservedTokens, ceilDiv(reservedSlots, layers)), layers * blocksPerLayer, blocksUsed,
                bytesPerToken, capacityBytes, reservedBytes, liveBytes, Math.max(peakReservedBytes, reservedBytes));
    }

    private static int ceilDiv(long a, int b) {
        return (int) ((a + b - 1) / b);
    }

    @Override
    public void checkInvariants() {
        for (int l = 0; l < pools.length; l++) {
            pools[l].checkInvariants();
            Map<Integer, SeqId> owner = new HashMap<>();
            for (Map.Entry<SeqId, Seq> e : seqs.entrySet()) {
                LayerHeld held = e.getValue().layers[l];
                held.check(e.getKey() + " layer " + l, e.getValue().numTokens);
                for (int block : held.blocks()) {
                    SeqId other = owner.put(block, e.getKey());
                    if (other != null || pools[l].refCount(block) != 1) {
                        throw new IllegalStateException("a used block has one owner: layer " + l + " block " + block
                                + " owned by " + other + " and " + e.getKey() + ", refCount " + pools[l].refCount(block));
                    }
                }
            }
            if (owner.size() != pools[l].numUsed()) {
                throw new IllegalStateException("used blocks = owned blocks: layer " + l + " used "
                        + pools[l].numUsed() + ", owned " + owner.size());
            }
        }
        MemoryStats m = memory();
        if (m.liveBytes() > m.reservedBytes() || m.reservedBytes() > m.capacityBytes()
                || m.liveTokens() > m.reservedTokens() || m.reservedTokens() > m.capacityTokens()
                || m.peakReservedTokens() < m.reservedTokens() || m.peakReservedBytes() < m.reservedBytes()) {
            throw new IllegalStateException("live <= reserved <= capacity and peak >= reserved: " + m);
        }
    }

    /** The order in which held entries go, lowest score first (ties: lowest position). */
    static Comparator<Integer> lowestFirst(LayerTokens t) {
        return Comparator.<Integer>comparingDouble(t::score).thenComparingInt(t::position);
    }
}
