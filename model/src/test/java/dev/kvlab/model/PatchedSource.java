package dev.kvlab.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A test source that hands out {@code src}'s tensors unchanged except one float32 tensor, whose element {@code i}
 * becomes {@code patch.at(i, old)}. For planting values (NaN, a biased logit) in a real checkpoint.
 */
public record PatchedSource(TensorSource src, String tensor, Patch patch) implements TensorSource {

    /** The new value of element {@code i} of the patched tensor, given its old value. */
    @FunctionalInterface
    public interface Patch {
        float at(int i, float old);
    }

    @Override
    public Gpt2Config config() {
        return src.config();
    }

    @Override
    public List<String> names() {
        return src.names();
    }

    @Override
    public TensorInfo info(String name) {
        return src.info(name);
    }

    @Override
    public ByteBuffer bytes(String name) {
        ByteBuffer b = src.bytes(name);
        if (!name.equals(tensor)) {
            return b;
        }
        ByteBuffer copy = ByteBuffer.allocate(b.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(b.duplicate()).flip();
        for (int i = 0; i < copy.remaining() / Float.BYTES; i++) {
            copy.putFloat(i * Float.BYTES, patch.at(i, copy.getFloat(i * Float.BYTES)));
        }
        return copy.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void close() {
    }
}
