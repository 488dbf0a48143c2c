package dev.kvlab.runtime;

import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.Gpt2Tokenizer;
import dev.kvlab.model.TensorSource;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.model.torch.RuntimeOptions;
import dev.kvlab.model.torch.TorchRuntime;
import org.bytedeco.pytorch.Device;

/**
 * A model ready to serve: weights on the device plus its tokenizer. Owns both. Loading initialises the native
 * runtime (threads, device) first.
 */
public final class LoadedModel implements AutoCloseable {
    private final String name;
    private final Gpt2Model model;
    private final Gpt2Tokenizer tokenizer;

    private LoadedModel(String name, Gpt2Model model, Gpt2Tokenizer tokenizer) {
        this.name = name;
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /** Loads {@code name} (see {@link ModelRef}) onto the device {@code options} choose. */
    public static LoadedModel load(String name, long weightsSeed, RuntimeOptions options) {
        Device device = TorchRuntime.init(options);
        try (TensorSource source = ModelRef.openWeights(name, weightsSeed)) {
            Gpt2Model model = new Gpt2Model(source, device, options.dtype());
            try {
                return new LoadedModel(name, model, ModelRef.openTokenizer(name, source.config()));
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
        }
    }

    public String name() {
        return name;
    }

    public Gpt2Model model() {
        return model;
    }

    public Gpt2Config config() {
        return model.config();
    }

    public Gpt2Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public void close() {
        tokenizer.close();
        model.close();
    }
}
