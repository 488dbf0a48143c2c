package dev.kvlab.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Deterministic GPT-2 weights from the counter-based formula of the {@code hf-gpt2} fixtures (see their
 * README): element {@code i} of tensor {@code name} is a SplitMix64-style hash of
 * {@code (FNV-1a(name), seed, i)} mapped to a uniform value with the tensor's center and standard deviation.
 *
 * <p>Nothing is precomputed: each {@link TensorSource#bytes} call generates that one tensor (F32), so even
 * gpt2-xl needs at most one tensor's memory at a time. Bit-exact across platforms: integer hashing, then
 * double arithmetic in a fixed order, then one rounding to float.
 */
public final class FormulaWeights implements TensorSource {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long FNV_OFFSET = 0xCBF29CE484222325L;
    private static final long FNV_PRIME = 0x100000001B3L;

    private final Gpt2Config config;
    private final long seed;
    private final List<String> names;
    private final Map<String, TensorInfo> infos = new HashMap<>();

    private FormulaWeights(Gpt2Config config, long seed) {
        this.config = config;
        this.seed = seed;
        List<TensorInfo> table = Gpt2Weights.expected(config);
        table.forEach(t -> infos.put(t.name(), t));
        this.names = table.stream().map(TensorInfo::name).toList();
    }

    /** The formula weights of {@code c} with {@code seed} (the fixtures use seed 0). */
    public static TensorSource of(Gpt2Config c, long seed) {
        return new FormulaWeights(c, seed);
    }

    @Override
    public Gpt2Config config() {
        return config;
    }

    @Override
    public List<String> names() {
        return names;
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo t = infos.get(name);
        if (t == null) {
            throw new IllegalArgumentException("not a GPT-2 tensor name: '" + name + "'");
        }
        return t;
    }

    /** Generates the tensor: {@code numel} F32 values, little-endian, read-only. */
    @Override
    public ByteBuffer bytes(String name) {
        TensorInfo t = info(name);
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(t.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
        fill(name, out.asFloatBuffer());
        return out.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void close() {
        // nothing held
    }

    private void fill(String name, FloatBuffer dst) {
        double center = center(name);
        double scale = std(name) * Math.sqrt(3.0);
        long s = fnv1a(name) ^ (seed * GOLDEN);
        for (int i = 0; dst.hasRemaining(); i++) {
            dst.put((float) (center + uniform(s, i) * scale));
        }
    }

    /** The formula's {@code x}: a double in [-1, 1) with 24 random bits, for element {@code i}. */
    static double uniform(long s, long i) {
        long z = s + (i + 1) * GOLDEN;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        double u = (z >>> 40) / 16777216.0;
        return 2.0 * u - 1.0;
    }

    /** FNV-1a 64 of the UTF-8 bytes of {@code name}. */
    static long fnv1a(String name) {
        long h = FNV_OFFSET;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= FNV_PRIME;
        }
        return h;
    }

    private static double center(String name) {
        return isLayerNorm(name) && name.endsWith(".weight") ? 1.0 : 0.0;
    }

    /** The README's std table; E = nEmbd. */
    private double std(String name) {
        int e = config.nEmbd();
        if (name.equals("wte.weight") || name.equals("wpe.weight")) {
            return 0.02;
        }
        if (isLayerNorm(name)) {
            return name.endsWith(".weight") ? 0.1 : 0.05;
        }
        if (name.endsWith(".bias")) {
            return 0.01;
        }
        if (name.endsWith("attn.c_attn.weight")) {
            return 1.6 / Math.sqrt(e);
        }
        if (name.endsWith("attn.c_proj.weight")) {
            return 0.8 / Math.sqrt(e);
        }
        if (name.endsWith("mlp.c_fc.weight")) {
            return 1.0 / Math.sqrt(e);
        }
        if (name.endsWith("mlp.c_proj.weight")) {
            return 0.8 / Math.sqrt(4.0 * e);
        }
        throw new IllegalStateException("no formula for tensor '" + name + "'");
    }

    private static boolean isLayerNorm(String name) {
        return name.contains("ln_1.") || name.contains("ln_2.") || name.startsWith("ln_f.");
    }
}
