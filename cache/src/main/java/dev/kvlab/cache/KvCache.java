package dev.kvlab.cache;

/**
 * A KV-cache strategy's bookkeeping: which pool slots each sequence's keys and values occupy.
 * Never sees a tensor: the runtime owns the pool ({@code [slots, heads, headDim]} per layer for K and for V) and
 * does every write and read that the plain data returned here describes.
 *
 * <p>Protocol per step and sequence: {@link #attachPrefix} once when a sequence is admitted (optional), then
 * {@link #allocate} for each chunk, then {@link #free} when it ends or is preempted. {@code allocate} is atomic:
 * {@link Allocation.NoRoom} leaves the cache unchanged.
 *
 * <p>Implementations state their invariants in their Javadoc and check them in {@link #checkInvariants()}.
 */
public interface KvCache {

    /** The registry name of this strategy ("paged", ...). */
    String name();

    /** The geometry this cache was built with. */
    CacheSpec spec();

    /**
     * Attaches already-cached K/V for a prefix of a new sequence's prompt (prefix sharing).
     *
     * @return how many leading tokens are present; the caller starts computing at that position. Always leaves at
     *         least the last prompt token to compute. 0 when the strategy does not share.
     */
    default int attachPrefix(SeqId seq, int[] promptIds) {
        return 0;
    }

    /**
     * Whether a sequence that grows to {@code numTokens} tokens fits when it is alone in an empty cache. False means
     * "never", not "not now": the scheduler rejects such a request at once instead of computing and preempting for it.
     */
    default boolean canEverHold(int numTokens) {
        return numTokens <= spec().capacityTokens();
    }

    /**
     * Pool slots the runtime must allocate for this cache: every slot it may ever hand out. The default is the whole
     * spec; a strategy that stores nothing answers 0, so no pool memory is taken for it.
     */
    default int poolSlots() {
        return spec().capacityTokens();
    }

    /**
     * Whether {@link #fork} works: a strategy that can share every token a sequence holds with a new sequence by
     * reference (no copy until one of them writes where the other still reads). False (the default) for strategies
     * that cannot; their callers run the samples as independent sequences instead.
     */
    default boolean canFork() {
        return false;
    }

    /**
     * Opens {@code child} holding exactly what {@code parent} holds (its numTokens and K/V), shared by reference: the
     * first write of either into a shared partly filled block copies that block first (copy-on-write, an
     * {@link Allocation.SlotCopy} in the writer's grant). Takes no room, so it cannot fail for lack of it. Parent and
     * child are then independent sequences: each is allocated and freed on its own, in any order.
     *
     * @throws UnsupportedOperationException when {@link #canFork} is false
     * @throws IllegalArgumentException      when {@code parent} is not open or {@code child} is
     */
    default void fork(SeqId parent, SeqId child) {
        throw new UnsupportedOperationException(name() + " cannot fork a sequence");
    }

    /** Room for the next chunk of {@code request.seq()}, or {@link Allocation.NoRoom} with the cache unchanged. */
    Allocation allocate(AllocRequest request);

    /**
     * After a step ran, the runtime hands over what the chunk's grant asked for ({@link Allocation.Granted#stats}),
     * once per chunk that ran and before any later allocate of the sequence; {@link StepStats#NONE} when nothing was
     * asked. A strategy may evict tokens it holds here: its next view no longer lists them. The default ignores it.
     */
    default void observe(SeqId seq, StepStats stats) {
    }

    /** How the runtime must store this strategy's K/V; the default is the model's dtype. */
    default KvStorage storage() {
        return KvStorage.MODEL;
    }

    /** Releases everything the sequence holds; a no-op for an unknown sequence. */
    void free(SeqId seq);

    /**
     * Forgets every cached prefix (vLLM's {@code reset_prefix_cache}): no later {@link #attachPrefix} finds a block
     * cached before; sequences keep what they hold. A no-op for strategies that do not share prefixes.
     */
    default void resetPrefixCache() {
    }

    /** Frees every sequence and forgets cached prefixes: no state survives between runs. */
    void reset();

    /** Tokens of {@code seq} the cache has seen (its next position); 0 for an unknown sequence. */
    int numTokens(SeqId seq);

    /** Current accounting. */
    MemoryStats memory();

    /** Throws {@link IllegalStateException} naming the broken invariant. Tests call it after every operation. */
    void checkInvariants();
}
