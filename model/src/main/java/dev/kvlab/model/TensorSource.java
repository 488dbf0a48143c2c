package dev.kvlab.model;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * The tensors of one GPT-2 checkpoint, by canonical name.
 *
 * <p>Invariants: {@link #names()} is exactly the names of {@link Gpt2Weights#expected} for
 * {@link #config()}, in that order; {@link #info} has the table's shape (the dtype may be F32, F16 or BF16);
 * {@link #bytes} holds {@code info(name).byteSize()} bytes.
 */
public interface TensorSource extends AutoCloseable {

    /** The model's hyper-parameters; they determine every tensor shape. */
    Gpt2Config config();

    /**
     * Canonical HF names without the {@code transformer.} prefix, in {@link Gpt2Weights#expected} order:
     * {@code wte.weight, wpe.weight, h.{i}.ln_1.weight, ..., ln_f.bias}. No {@code lm_head}: it is tied to wte.
     */
    List<String> names();

    /**
     * Name, stored dtype and shape of one tensor.
     *
     * @throws IllegalArgumentException if {@code name} is not in {@link #names()}
     */
    TensorInfo info(String name);

    /**
     * The tensor's raw bytes: little-endian, in the stored dtype and HF layout (Conv1D weights {@code [in, out]},
     * row-major). Read-only, position 0, byte order little-endian; a fresh buffer on every call.
     *
     * @throws IllegalArgumentException if {@code name} is not in {@link #names()}
     * @throws IllegalStateException    after {@link #close()}
     */
    ByteBuffer bytes(String name);

    /** Releases files or mappings; idempotent. Buffers returned earlier must not be used afterwards. */
    @Override
    void close();
}
