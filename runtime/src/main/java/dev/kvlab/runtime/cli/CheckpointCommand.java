package dev.kvlab.runtime.cli;

import dev.kvlab.model.Checkpoints;
import dev.kvlab.model.FormulaWeights;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.ShippedCheckpoint;
import dev.kvlab.model.TensorSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kvlab checkpoint}: writes a formula-weight GPT-2, or a trained checkpoint that ships inside kvlab
 * ({@code kjv-small}), as a normal Hugging Face directory.
 */
@Command(name = "checkpoint", mixinStandardHelpOptions = true,
        description = "Write a GPT-2-shaped model with reproducible formula weights, or the shipped trained model "
                + "kjv-small, as a Hugging Face directory (config.json, model.safetensors, tokenizer.json).")
public final class CheckpointCommand implements Callable<Integer> {
    @Option(names = "--preset", required = true,
            description = "Shape: tiny, distilgpt2, gpt2, gpt2-medium, gpt2-large, gpt2-xl; or kjv-small (trained, "
                    + "shipped; also writes its held-out text heldout.txt; --seed does not apply).")
    String preset;

    @Option(names = "--seed", defaultValue = "0", description = "Weight formula seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true, description = "Directory to write; must not exist or be empty.")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (Files.isDirectory(out)) {
            try (var entries = Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw new BadInputException("--out " + out + " exists and is not empty");
                }
            }
        }
        ShippedCheckpoint shipped = ShippedCheckpoint.named(preset);
        if (shipped != null) {
            shipped.writeTo(out);
            System.out.println("wrote " + preset + " (trained, sha256-verified) to " + out.toAbsolutePath());
            return 0;
        }
        Gpt2Config config = Gpt2Config.preset(preset);
        try (TensorSource source = FormulaWeights.of(config, seed)) {
            Checkpoints.write(source, out);
        }
        System.out.println("wrote " + preset + " (seed " + seed + ") to " + out.toAbsolutePath());
        return 0;
    }
}
