package dev.kvlab.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/** Builders of small, possibly malformed, GPT-2 checkpoint directories for tests. */
final class TestCheckpoints {
    /** A GPT-2 small enough that a checkpoint is a few KB: V 16, P 8, E 8, 2 layers, 2 heads, I 32. */
    static final Gpt2Config MICRO = new Gpt2Config(16, 8, 8, 2, 2, 32, 1e-5, 15);

    private TestCheckpoints() {
    }

    /**
     * Writes {@code config.json} for {@code c} and a model.safetensors holding the formula tensors of {@code c}
     * after {@code edit} (rename, drop, reshape or add entries). Data comes from {@code data} by stored name.
     */
    static Path write(Path dir, Gpt2Config c, UnaryOperator<List<TensorInfo>> edit, Function<String, ByteBuffer> data) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(Checkpoints.CONFIG), c.toJson());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<TensorInfo> tensors = edit.apply(new ArrayList<>(Gpt2Weights.expected(c)));
        SafetensorsWriter.write(dir.resolve(Checkpoints.WEIGHTS), tensors, data, Map.of());
        return dir;
    }

    /** Formula bytes where name (prefix stripped) and shape match the table; zeros of the right size otherwise. */
    static Function<String, ByteBuffer> formulaOrZeros(Gpt2Config c, List<TensorInfo> tensors) {
        TensorSource f = FormulaWeights.of(c, 0);
        return stored -> {
            TensorInfo t = tensors.stream().filter(i -> i.name().equals(stored)).findFirst().orElseThrow();
            String canonical = stored.startsWith(Gpt2Weights.HF_PREFIX)
                    ? stored.substring(Gpt2Weights.HF_PREFIX.length()) : stored;
            if (f.names().contains(canonical) && f.info(canonical).sameShape(t.shape())) {
                return f.bytes(canonical);
            }
            return ByteBuffer.allocate(Math.toIntExact(t.byteSize()));
        };
    }

    /** The same tensor under another name. */
    static TensorInfo renamed(TensorInfo t, String name) {
        return new TensorInfo(name, t.dtype(), t.shape());
    }
}
