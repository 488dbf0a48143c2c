package dev.kvlab.cache;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Strategy "paged": vLLM-style blocks of {@code options.blockSize()} slots, taken on demand from a {@link BlockPool}
 * of {@code capacityTokens / blockSize} blocks; position p of a sequence sits in slot
 * {@code table[p / blockSize] * blockSize + p % blockSize}.
 *
 * <p>Prefix sharing ({@code options.prefixSharing()}): {@link #attachPrefix} attaches the longest chain of cached full
 * blocks ({@link PrefixIndex}). A full block is registered in {@link #allocate} only once all its tokens were
 * computed by an earlier allocate of the sequence, never while it is being written: a step preempted before it ran
 * cannot leave a findable block with unwritten K/V. Freed registered blocks stay findable until reused (LRU).
 *
 * <p>Copy-on-write: {@link #fork} shares all of a sequence's blocks; a write into a block with refCount &gt; 1 first
 * moves the writer to a fresh block and emits a {@link Allocation.SlotCopy} of the filled slots.
 *
 * <p>Invariants: free + used = numBlocks; refCount of every block = number of tables holding it; each table has
 * ceil(numTokens / blockSize) blocks, none twice, and at most numTokens / blockSize keyed blocks; the prefix index
 * maps are inverse; reserved = used blocks × blockSize &lt;= capacity; live &lt;= reserved; peak &gt;= reserved.
 */
public final class PagedCache implements KvCache {
    /** Its registry entry. */
    public static final StrategyDescription DESCRIPTION = new StrategyDescription("paged",
            "vLLM-style block pool and block tables, ref-counted prefix sharing with copy-on-write",
            java.util.Set.of(CacheOption.BLOCK_SIZE, CacheOption.PREFIX_SHARING),
            List.of(new StrategyVariant("noprefix", "no prefix sharing", o -> o.withPrefixSharing(false))),
            PagedCache::new);

    private final CacheSpec spec;
    private final int blockSize;
    private final boolean prefixSharing;
    private final BlockPool pool;
    private final PrefixIndex index;
    private final Map<SeqId, BlockTable> tables = new LinkedHashMap<>();
    private int peakReservedTokens;

    public PagedCache(CacheSpec spec, CacheOptions options) {
        this.spec = spec;
        this.blockSize = options.blockSize();
        this.prefixSharing = options.prefixSharing();
        int numBlocks = spec.capacityTokens() / blockSize;
        this.pool = new BlockPool(numBlocks);
        this.index = new PrefixIndex(numBlocks);
    }

    @Override
    public boolean canEverHold(int numTokens) {
        return numTokens <= pool.numBlocks() * blockSize;   // a partial last block is unusable
    }

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    @Override
    public CacheSpec spec() {
        return spec;
    }

    /**
     * Attaches at most floor((len - 1) / blockSize) cached full blocks, so the last prompt token is computed. The
     * sequence then holds them (it is open) until {@link #free}, also when its first allocate is NoRoom.
     */
    @Override
    public int attachPrefix(SeqId seq, int[] promptIds) {
        if (tables.containsKey(seq)) {
            throw new IllegalArgumentException("attachPrefix on open sequence " + seq);
        }
        if (!prefixSharing) {
            return 0;
        }
        BlockTable table = new BlockTable();
        PrefixIndex.Key parent = null;
        for (int i = 0; i < (promptIds.length - 1) / blockSize; i++) {
            PrefixIndex.Key key = PrefixIndex.keyOf(parent, promptIds, i * blockSize, blockSize);
            Optional<Integer> block = index.find(key);
            if (block.isEmpty()) {
                break;
            }
            pool.addRef(block.get());
            table.add(block.get());
            table.addKey(key);
            parent = key;
        }
        int attached = table.size() * blockSize;
        if (attached > 0) {
            table.setNumTokens(attached);
            tables.put(seq, table);
            updatePeak();
        }
        return attached;
    }

    @Override
    public boolean canFork() {
        return true;
    }

    /**
     * Opens {@code child} sharing every block of {@code parent}, full ones and the partly filled tail (refCount + 1
     * each) and the prefix keys known for them; the first write into the shared tail copies it (copy-on-write).
     */
    @Override
    public void fork(SeqId parent, SeqId child) {
        BlockTable source = tables.get(parent);
        if (source == null || tables.containsKey(child)) {
            throw new IllegalArgumentException("fork needs an open parent and a new child: " + parent + " -> " + child);
        }
        BlockTable copy = source.copy();
        for (int i = 0; i < copy.size(); i++) {
            pool.addRef(copy.block(i));
        }
        tables.put(child, copy);
    }

    @Override
    public Allocation allocate(AllocRequest request) {
        BlockTable table = tables.getOrDefault(request.seq(), new BlockTable());
        Chunks.requireContinues(request, table.numTokens());
        int before = table.numTokens();
        int after = request.tokenIds().length;
        boolean copy = needsCopyOnWrite(table, before);
        int needed = Chunks.blocksFor(after, blockSize) - table.size() + (copy ? 1 : 0);
        if (needed > pool.numFree()) {
            return new Allocation.NoRoom(needed * blockSize, pool.numFree() * blockSize, "paged: " + request.seq()
                    + " needs " + needed + " blocks, " + pool.numFree() + " free of " + pool.numBlocks());
        }
        registerComputedBlocks(table, request.tokenIds(), before);
        List<Allocation.SlotCopy> copies = copy ? List.of(copyOnWrite(table, before)) : List.of();
        while (table.size() < Chunks.blocksFor(after, blockSize)) {
            table.add(takeBlock());
        }
        table.setNumTokens(after);
        tables.put(request.seq(), table);
        updatePeak();
        AttentionView view = new AttentionView.Paged(table.toArray(), blockSize, after);
        return new Allocation.Granted(slotsOf(table, before, after), Chunks.range(0, after - before), view, copies);
    }

    /** The next write lands in a partly filled block that another table also holds. */
    private boolean needsCopyOnWrite(BlockTable table, int before) {
        return before % blockSize != 0 && pool.refCount(table.block(before / blockSize)) > 1;
    }

    /** Registers full blocks all of whose tokens lie in [0, before): computed by an earlier step. */
    private void registerComputedBlocks(BlockTable table, int[] tokenIds, int before) {
        if (!prefixSharing) {
            return;
        }
        for (int i = table.numKeyed(); i < before / blockSize; i++) {
            PrefixIndex.Key parent = i == 0 ? null : table.key(i - 1);
            PrefixIndex.Key key = PrefixIndex.keyOf(parent, tokenIds, i * blockSize, blockSize);
            index.register(key, table.block(i));
            table.addKey(key);
        }
    }

    /** Moves the table's partly filled tail block to a fresh block; returns the copy of its filled slots. */
    private Allocation.SlotCopy copyOnWrite(BlockTable table, int before) {
        int i = before / blockSize;
        int shared = table.block(i);
        int fresh = takeBlock();
        table.set(i, fresh);
        pool.release(shared);
        return new Allocation.SlotCopy(shared * blockSize, fresh * blockSize, before % blockSize);
    }

    /** Pops the free queue's head; a cached prefix it held is evicted. */
    private int takeBlock() {
        int block = pool.takeFree();
        index.forget(block);
        return block;
    }

    /** Slots of positions [from, to); shape [to - from]. */
    private int[] slotsOf(BlockTable table, int from, int to) {
        int[] slots = new int[to - from];
        for (int p = from; p < to; p++) {
            slots[p - from] = table.block(p / blockSize) * blockSize + p % blockSize;
        }
        return slots;
    }

    /** Releases the table's blocks tail first, so a sequence's tail is evicted before its shareable head. */
    @Override
    public void free(SeqId seq) {
        BlockTable table = tables.remove(seq);
        if (table != null) {
            for (int i = table.size() - 1; i >= 0; i--) {
                pool.release(table.block(i));
            }
        }
    }

    /** Unregisters every block; held ones stay held (their tables keep their keys: they are not registered again). */
    @Override
    public void resetPrefixCache() {
        index.clear();
    }

    @Override
    public void reset() {
        tables.clear();
        pool.reset();
        index.clear();
        peakReservedTokens = 0;
    }

    @Override
    public int numTokens(SeqId seq) {
        BlockTable table = tables.get(seq);
        return table == null ? 0 : table.numTokens();
    }

    /** A copy of the sequence's block table, tail last; empty for an unknown sequence. Shape [numBlocks of seq]. */
    public int[] blockTable(SeqId seq) {
        BlockTable table = tables.get(seq);
        return table == null ? new int[0] : table.toArray();
    }

    /** The free queue, head (next evicted) first. */
    List<Integer> freeQueue() {
        return pool.freeQueue();
    }

    boolean isCached(int block) {
        return index.isRegistered(block);
    }

    int refCount(int block) {
        return pool.refCount(block);
    }

    private void updatePeak() {
        peakReservedTokens = Math.max(peakReservedTokens, pool.numUsed() * blockSize);
    }

    @Override
    public MemoryStats memory() {
        return new MemoryStats(spec.capacityTokens(), pool.numUsed() * blockSize, liveTokens(), peakReservedTokens,
                pool.numBlocks(), pool.numUsed(), spec.bytesPerToken());
    }

    /** Distinct referenced tokens: each used block counts its filled slots once, however many tables share it. */
    private int liveTokens() {
        int[] filled = new int[pool.numBlocks()];
        for (BlockTable t : tables.values()) {
            for (int i = 0; i < t.size(); i++) {
                int inBlock = Math.min(blockSize, t.numTokens() - i * blockSize);
                filled[t.block(i)] = Math.max(filled[t.block(i)], inBlock);
            }
        }
        int live = 0;
        for (int f : filled) {
            live += f;
        }
        return live;
    }

    @Override
    public void checkInvariants() {
        pool.checkInvariants();
        index.checkInvariants();
        int[] holders = new int[pool.numBlocks()];
        tables.forEach((seq, t) -> checkTable(seq, t, holders));
        for (int b = 0; b < holders.length; b++) {
            if (holders[b] != pool.refCount(b)) {
                throw new IllegalStateException("refCount = number of tables holding the block: block " + b
                        + " refCount " + pool.refCount(b) + ", held by " + holders[b]);
            }
        }
        MemoryStats m = memory();
        if (m.liveTokens() > m.reservedTokens() || m.reservedTokens() > m.capacityTokens()
                || m.peakReservedTokens() < m.reservedTokens()) {
            throw new IllegalStateException("live <= reserved <= capacity and peak >= reserved: " + m);
        }
    }

    private void checkTable(SeqId seq, BlockTable t, int[] holders) {
        if (t.numTokens() <= 0 || t.size() != Chunks.blocksFor(t.numTokens(), blockSize)) {
            throw new IllegalStateException("table length = ceil(numTokens / blockSize): " + seq + " has "
                    + t.size() + " blocks for " + t.numTokens() + " tokens");
        }
        if (t.numKeyed() > t.numTokens() / blockSize) {
            throw new IllegalStateException("only full blocks are keyed: " + seq + " keys " + t.numKeyed());
        }
        for (int i = 0; i < t.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (t.block(j) == t.block(i)) {
                    throw new IllegalStateException("no block twice in a table: " + seq + " block " + t.block(i));
                }
            }
            holders[t.block(i)]++;
        }
    }
}
