package dev.kvlab.model;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link TensorSource} over a validated HF GPT-2 checkpoint directory (see {@link Checkpoints#open}).
 *
 * <p>Invariant: {@code stored} maps every canonical name of {@link Gpt2Weights#expected} to the name it has in
 * the file (possibly with the {@code transformer.} prefix), and that tensor has the expected shape.
 */
final class CheckpointSource implements TensorSource {
    private final Gpt2Config config;
    private final SafetensorsFile file;
    private final List<String> names;
    private final Map<String, String> stored;

    private CheckpointSource(Gpt2Config config, SafetensorsFile file, List<String> names, Map<String, String> stored) {
        this.config = config;
        this.file = file;
        this.names = names;
        this.stored = stored;
    }

    /** Validates {@code file} against {@code config}; closes the file if it does not validate. */
    static CheckpointSource of(Gpt2Config config, SafetensorsFile file) {
        try {
            Map<String, TensorInfo> byCanonical = canonicalize(file);
            checkLmHead(file, byCanonical);
            return new CheckpointSource(config, file, checkExpected(config, file.path(), byCanonical),
                    storedNames(byCanonical));
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** Stored tensors by canonical name, with the prefix stripped and mask buffers dropped. */
    private static Map<String, TensorInfo> canonicalize(SafetensorsFile file) {
        Map<String, TensorInfo> out = new HashMap<>();
        for (TensorInfo t : file.tensors()) {
            String name = t.name().startsWith(Gpt2Weights.HF_PREFIX)
                    ? t.name().substring(Gpt2Weights.HF_PREFIX.length()) : t.name();
            if (Gpt2Weights.isMaskBuffer(name)) {
                continue;
            }
            TensorInfo previous = out.put(name, t);
            if (previous != null) {
                throw new ModelLoadException(file.path() + ": tensor '" + name + "' is stored twice, as '"
                        + previous.name() + "' and '" + t.name() + "'");
            }
        }
        return out;
    }

    /** A stored {@code lm_head.weight} must be a byte-identical copy of wte (tied); it is then dropped. */
    private static void checkLmHead(SafetensorsFile file, Map<String, TensorInfo> byCanonical) {
        TensorInfo head = byCanonical.remove(Gpt2Weights.LM_HEAD);
        TensorInfo wte = byCanonical.get("wte.weight");
        if (head == null || wte == null) {
            return;                              // a missing wte is reported by checkExpected
        }
        boolean same = head.dtype() == wte.dtype() && head.sameShape(wte.shape())
                && file.bytes(head.name()).equals(file.bytes(wte.name()));
        if (!same) {
            throw new ModelLoadException(file.path() + ": tensor '" + head.name()
                    + "' differs from wte.weight: untied LM heads are unsupported");
        }
    }

    /** Every expected tensor present with its shape, and nothing else; returns the canonical names. */
    private static List<String> checkExpected(Gpt2Config c, Path path, Map<String, TensorInfo> byCanonical) {
        List<String> names = new ArrayList<>();
        for (TensorInfo want : Gpt2Weights.expected(c)) {
            TensorInfo got = byCanonical.get(want.name());
            if (got == null) {
                throw new ModelLoadException(path + ": tensor '" + want.name() + "' is missing (expected "
                        + Arrays.toString(want.shape()) + " for this config)");
            }
            if (!got.sameShape(want.shape())) {
                throw new ModelLoadException(path + ": tensor '" + got.name() + "' has shape "
                        + Arrays.toString(got.shape()) + ", expected " + Arrays.toString(want.shape()));
            }
            names.add(want.name());
        }
        Set<String> known = new HashSet<>(names);
        List<String> extra = new ArrayList<>();
        byCanonical.forEach((canonical, t) -> {
            if (!known.contains(canonical)) {
                extra.add(t.name());
            }
        });
        if (!extra.isEmpty()) {
            extra.sort(null);
            throw new ModelLoadException(path + ": unexpected tensors for GPT-2: " + extra);
        }
        return List.copyOf(names);
    }

    private static Map<String, String> storedNames(Map<String, TensorInfo> byCanonical) {
        Map<String, String> out = new HashMap<>();
        byCanonical.forEach((canonical, t) -> out.put(canonical, t.name()));
        return Map.copyOf(out);
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
        TensorInfo t = file.info(storedName(name)).orElseThrow();
        return new TensorInfo(name, t.dtype(), t.shape());
    }

    @Override
    public ByteBuffer bytes(String name) {
        return file.bytes(storedName(name));
    }

    private String storedName(String name) {
        String s = stored.get(name);
        if (s == null) {
            throw new IllegalArgumentException("not a GPT-2 tensor name: '" + name + "'");
        }
        return s;
    }

    @Override
    public void close() {
        file.close();
    }
}
