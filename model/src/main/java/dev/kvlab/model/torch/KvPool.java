package dev.kvlab.model.torch;

import dev.kvlab.cache.Allocation.SlotCopy;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.cache.KvStorage;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The tensor half of the KV cache: one preallocated K and one V tensor per layer, addressed by slot, shared by all
 * sequences; the one owner of that memory. Which slot holds which token is the {@code KvCache}'s business.
 *
 * <p>Also holds one gather buffer pair, used by the paged read path so that reads never allocate per step. It holds
 * the longest sequence a read can gather, {@link #gatherRows(CacheSpec)}, decided here from the geometry alone.
 * With {@link KvStorage.Kind#INT8} storage (strategy {@code int8}) K and V are int8 and each layer also holds fp32
 * scales: one per value token and head, one per key channel per block of {@code groupTokens} slots
 * ({@link Int8Kv} writes and reads them). Invariant: tensors are allocated once, in the constructor, and never resized.
 */
public final class KvPool implements AutoCloseable {
    private final TensorOwner owner = new TensorOwner();
    private final CacheSpec spec;
    private final List<Tensor> keys = new ArrayList<>();     // per layer: [slots, heads, headDim]
    private final List<Tensor> values = new ArrayList<>();   // per layer: [slots, heads, headDim]
    private final Tensor gatherKeys;                         // [gatherRows(spec), heads, headDim]
    private final Tensor gatherValues;                       // [gatherRows(spec), heads, headDim]
    private final KvStorage storage;
    private final List<Tensor> keyScales = new ArrayList<>();    // INT8, per layer: [slots / groupTokens, heads, headDim]
    private final List<Tensor> valueScales = new ArrayList<>();  // INT8, per layer: [slots, heads]

    /** @param spec geometry; {@code capacityTokens} slots per layer (0 is allowed: a strategy that stores nothing) */
    public KvPool(CacheSpec spec, Device device, ComputeDType dtype) {
        this(spec, KvStorage.MODEL, device, dtype);
    }

    /** A pool in the storage the strategy declared ({@code KvCache.storage()}). */
    public KvPool(CacheSpec spec, KvStorage storage, Device device, ComputeDType dtype) {
        this.spec = spec;
        this.storage = storage;
        TensorOptions options = new TensorOptions(dtype.scalarType()).device(new org.bytedeco.pytorch.DeviceOptional(device));
        boolean int8 = storage.kind() == KvStorage.Kind.INT8;
        TensorOptions kv = int8 ? new TensorOptions(torch.ScalarType.Char)
                .device(new org.bytedeco.pytorch.DeviceOptional(device)) : options;
        TensorOptions scales = new TensorOptions(torch.ScalarType.Float)
                .device(new org.bytedeco.pytorch.DeviceOptional(device));
        long[] shape = {spec.capacityTokens(), spec.numHeads(), spec.headDim()};
        long[] gatherShape = {gatherRows(spec), spec.numHeads(), spec.headDim()};
        try {
            for (int l = 0; l < spec.numLayers(); l++) {
                keys.add(owner.keep(torch.empty(shape, kv, new MemoryFormatOptional())));
                values.add(owner.keep(torch.empty(shape, kv, new MemoryFormatOptional())));
                if (int8) {
                    long blocks = spec.capacityTokens() / storage.groupTokens();
                    keyScales.add(owner.keep(torch.zeros(new long[] {blocks, spec.numHeads(), spec.headDim()},
                            new org.bytedeco.pytorch.DimnameListOptional(), scales)));
                    valueScales.add(owner.keep(torch.zeros(new long[] {spec.capacityTokens(), spec.numHeads()},
                            new org.bytedeco.pytorch.DimnameListOptional(), scales)));
                }
            }
            this.gatherKeys = owner.keep(torch.empty(gatherShape, options, new MemoryFormatOptional()));
            this.gatherValues = owner.keep(torch.empty(gatherShape, options, new MemoryFormatOptional()));
        } catch (RuntimeException e) {   // out of (device) memory part way: free what was taken
            owner.close();
            throw e;
        }
    }

    public CacheSpec spec() {
        return spec;
    }

    /** Layer {@code l}'s keys, {@code [slots, heads, headDim]}. */
    Tensor keys(int l) {
        return keys.get(l);
    }

    /** Layer {@code l}'s values, {@code [slots, heads, headDim]}. */
    Tensor values(int l) {
        return values.get(l);
    }

    /** How K/V are stored. */
    public KvStorage storage() {
        return storage;
    }

    boolean quantized() {
        return storage.kind() == KvStorage.Kind.INT8;
    }

    /** INT8: layer {@code l}'s key scales, {@code [slots / groupTokens, heads, headDim]} fp32. */
    Tensor keyScales(int l) {
        return keyScales.get(l);
    }

    /** INT8: layer {@code l}'s value scales, {@code [slots, heads]} fp32. */
    Tensor valueScales(int l) {
        return valueScales.get(l);
    }

    Tensor gatherKeys() {
        return gatherKeys;
    }

    Tensor gatherValues() {
        return gatherValues;
    }

    /** Copies slots for copy-on-write, in every layer. */
    void apply(SlotCopy c) {
        if (quantized()) {
            throw new IllegalStateException("an int8 pool takes no slot copies (its strategy never shares blocks)");
        }
        for (int l = 0; l < spec.numLayers(); l++) {
            keys.get(l).narrow(0, c.toSlot(), c.numSlots()).copy_(keys.get(l).narrow(0, c.fromSlot(), c.numSlots()));
            values.get(l).narrow(0, c.toSlot(), c.numSlots()).copy_(values.get(l).narrow(0, c.fromSlot(), c.numSlots()));
        }
    }

    /**
     * Rows of the gather buffers: a read gathers one sequence's tokens, at most n_positions of them and at most
     * what the pool holds (at least 1, so that a pool of 0 slots has a well-formed, unused buffer).
     */
    public static int gatherRows(CacheSpec spec) {
        return Math.max(1, Math.min(spec.maxPositions(), spec.capacityTokens()));
    }

    /** Bytes a pool of {@code spec} allocates: K/V of every slot in every layer, plus the two gather buffers. */
    public static long bytesFor(CacheSpec spec) {
        return (long) spec.capacityTokens() * spec.bytesPerToken()
                + 2L * gatherRows(spec) * spec.bytesPerToken() / spec.numLayers();
    }

    /** Bytes of the K/V tensors and their scales (excluding gather buffers). */
    public long bytes() {
        return spec.numLayers() * (spec.capacityTokens() * storage.tokenBytesPerLayer(spec)
                + spec.capacityTokens() / storage.groupTokens() * storage.groupBytesPerLayer(spec));
    }

    @Override
    public void close() {
        owner.close();
    }
}
