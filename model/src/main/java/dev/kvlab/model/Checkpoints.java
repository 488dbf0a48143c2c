package dev.kvlab.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face GPT-2 checkpoint directories: {@code config.json} + {@code model.safetensors}
 * (+ {@code tokenizer.json}, used by {@link Gpt2Tokenizer#forModel}).
 */
public final class Checkpoints {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String TOKENIZER = "tokenizer.json";

    private Checkpoints() {
    }

    /**
     * Opens and validates a checkpoint directory. Accepts names with or without the {@code transformer.}
     * prefix; ignores the {@code attn.bias}/{@code attn.masked_bias} mask buffers and an {@code lm_head.weight}
     * byte-identical to {@code wte.weight}. Tensors may be F32, F16 or BF16; nothing is copied.
     *
     * @throws ModelLoadException naming the file and tensor: missing directory or file, malformed file, unsupported
     *                            config, a missing, misshapen or unknown tensor, or an untied LM head
     */
    public static TensorSource open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException(dir + ": checkpoint directory not found");
        }
        Gpt2Config config = Gpt2Config.read(dir.resolve(CONFIG));
        return CheckpointSource.of(config, SafetensorsFile.open(dir.resolve(WEIGHTS)));
    }

    /**
     * Writes {@code src} as a checkpoint directory (created if needed): {@code config.json}, {@code model.safetensors}
     * (F32, canonical names without prefix, {@code "__metadata__": {"format": "pt"}}) and the built-in GPT-2
     * {@code tokenizer.json}. Tensors are converted and written one at a time.
     *
     * @throws IllegalArgumentException if {@code src} does not have the {@link Gpt2Weights#expected} names and shapes
     * @throws UncheckedIOException     on I/O failure
     */
    public static void write(TensorSource src, Path dir) {
        List<TensorInfo> tensors = checkedF32Table(src);
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(CONFIG), src.config().toJson(), StandardCharsets.UTF_8);
            Files.write(dir.resolve(TOKENIZER), Gpt2Tokenizer.builtinJson());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint to " + dir, e);
        }
        SafetensorsWriter.write(dir.resolve(WEIGHTS), tensors, name -> asF32(src, name), Map.of("format", "pt"));
    }

    private static List<TensorInfo> checkedF32Table(TensorSource src) {
        List<TensorInfo> want = Gpt2Weights.expected(src.config());
        List<String> wantNames = new ArrayList<>();
        want.forEach(t -> wantNames.add(t.name()));
        if (!src.names().equals(wantNames)) {
            throw new IllegalArgumentException("source names differ from the GPT-2 table: " + src.names());
        }
        for (TensorInfo t : want) {
            if (!src.info(t.name()).sameShape(t.shape())) {
                throw new IllegalArgumentException("source tensor " + src.info(t.name()) + " should be " + t);
            }
        }
        return want;
    }

    /** The tensor's bytes as little-endian F32 (a no-op view for F32 sources). */
    private static ByteBuffer asF32(TensorSource src, String name) {
        DType dtype = src.info(name).dtype();
        ByteBuffer raw = src.bytes(name);
        if (dtype == DType.F32) {
            return raw;
        }
        float[] f = dtype.toFloats(raw);
        ByteBuffer out = ByteBuffer.allocate(Math.multiplyExact(f.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        out.asFloatBuffer().put(f);
        return out;
    }
}
