package dev.kvlab.runtime;

import dev.kvlab.model.Checkpoints;
import dev.kvlab.model.FormulaWeights;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.Gpt2Tokenizer;
import dev.kvlab.model.ModelLoadException;
import dev.kvlab.model.ShippedCheckpoint;
import dev.kvlab.model.TensorSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Resolves {@code --model}: a built-in GPT-2-shaped model with reproducible formula weights
 * ({@code <preset>-random}, e.g. {@code gpt2-random}, {@code tiny-random}; nothing is downloaded), a trained
 * checkpoint that ships inside kvlab ({@code kjv-small}, see {@link ShippedCheckpoint}) or a directory in the
 * Hugging Face layout (config.json, model.safetensors, optional tokenizer.json).
 */
public final class ModelRef {
    /** The default model: GPT-2 124M shapes, formula weights, seed 0. */
    public static final String DEFAULT = "gpt2-random";
    private static final String RANDOM = "-random";

    private ModelRef() {
    }

    /** Built-in formula model names, one per preset. */
    public static List<String> builtinNames() {
        return Gpt2Config.presetNames().stream().map(n -> n + RANDOM).collect(Collectors.toList());
    }

    /** Every built-in name: the formula models, then the shipped trained checkpoints. */
    public static List<String> allBuiltinNames() {
        List<String> out = new java.util.ArrayList<>(builtinNames());
        ShippedCheckpoint.all().forEach(c -> out.add(c.name()));
        return out;
    }

    /** Whether {@code name} is a built-in formula model. */
    public static boolean isBuiltin(String name) {
        return builtinNames().contains(name);
    }

    /** The checkpoint directory {@code name} stands for: a shipped checkpoint's extracted files, or the path. */
    static Path directoryOf(String name) {
        ShippedCheckpoint shipped = ShippedCheckpoint.named(name);
        return shipped != null ? shipped.directory() : Path.of(name);
    }

    /** Opens the weights of {@code name}; the caller closes them. */
    public static TensorSource openWeights(String name, long weightsSeed) {
        if (isBuiltin(name)) {
            String preset = name.substring(0, name.length() - RANDOM.length());
            return FormulaWeights.of(Gpt2Config.preset(preset), weightsSeed);
        }
        Path dir = directoryOf(name);
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException("model '" + name + "' is neither a directory nor a built-in model ("
                    + String.join(", ", allBuiltinNames()) + ")");
        }
        return Checkpoints.open(dir);
    }

    /** The tokenizer for {@code name}: built-in GPT-2 for formula models, else the directory's own or built-in. */
    public static Gpt2Tokenizer openTokenizer(String name, Gpt2Config config) {
        if (isBuiltin(name)) {
            return Gpt2Tokenizer.builtin();
        }
        return Gpt2Tokenizer.forModel(directoryOf(name), config.vocabSize());
    }
}
