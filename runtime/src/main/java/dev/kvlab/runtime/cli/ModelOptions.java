package dev.kvlab.runtime.cli;

import dev.kvlab.model.torch.ComputeDType;
import dev.kvlab.model.torch.DeviceKind;
import dev.kvlab.model.torch.RuntimeOptions;
import dev.kvlab.runtime.ModelRef;
import picocli.CommandLine.Option;

/** Which model to run and where: shared by every command that runs the model. */
public final class ModelOptions {
    @Option(names = "--model", defaultValue = ModelRef.DEFAULT, paramLabel = "M",
            description = "A Hugging Face GPT-2 directory, the shipped trained model kjv-small, or a built-in "
                    + "formula-weight model: tiny-random, distilgpt2-random, gpt2-random, gpt2-medium-random, "
                    + "gpt2-large-random, gpt2-xl-random (default: ${DEFAULT-VALUE}).")
    public String model;

    @Option(names = "--weights-seed", defaultValue = "0", description = "Seed of the built-in models' weight formula.")
    public long weightsSeed;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or cuda (default: ${DEFAULT-VALUE}).")
    public String device;

    @Option(names = "--dtype", defaultValue = "float32", description = "float32, bfloat16 or float16.")
    public String dtype;

    @Option(names = "--threads", defaultValue = "0",
            description = "Torch and OpenBLAS threads, 0 to 4 x cores; 0 = one per idle core (cores minus those "
                    + "other processes keep busy, sampled 200 ms at start), at most 8.")
    public int threads;

    /** The runtime settings these flags describe; bad values throw IllegalArgumentException. */
    public RuntimeOptions runtime() {
        return new RuntimeOptions(DeviceKind.parse(device), threads, ComputeDType.parse(dtype));
    }
}
