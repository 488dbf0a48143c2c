package dev.kvlab.runtime.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.kvlab.cache.CacheOption;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.cache.StrategyDescription;
import dev.kvlab.runtime.EngineConfig;
import dev.kvlab.runtime.LoadedModel;
import dev.kvlab.runtime.Perplexity;
import dev.kvlab.runtime.CachedTeacherForcing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kvlab eval}: teacher-forced perplexity of a text (or token ids) under a cache strategy. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Teacher-forced perplexity of a text under a cache strategy: the text runs through the real "
                + "cache in chunks and every next token is scored. Texts longer than the context are scored as "
                + "consecutive windows of n_positions tokens.")
public final class EvalCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--text-file", paramLabel = "F", description = "UTF-8 text, encoded with the model's tokenizer.")
        Path textFile;

        @Option(names = "--ids-file", paramLabel = "F", description = "Token ids, comma- or whitespace-separated.")
        Path idsFile;
    }

    @Option(names = "--chunk", defaultValue = "64", description = "Tokens per forward pass (default: ${DEFAULT-VALUE}).")
    int chunk;

    @Option(names = "--prompt", paramLabel = "TOKENS", defaultValue = "0", description = "Tokens of each window "
            + "prefilled in chunks; the rest is decoded one token per step, as generation does (what an eviction "
            + "policy sees; snapkv compresses at the end of the prompt); 0 = the whole window (default: "
            + "${DEFAULT-VALUE}).")
    int prompt;

    @Option(names = "--json", description = "One JSON object: perplexity, nll_per_token, num_tokens, ...")
    boolean json;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    CacheFlags cacheFlags;

    @Override
    public Integer call() throws IOException {
        if (chunk < 1) {
            throw new BadInputException("--chunk must be >= 1, got " + chunk);
        }
        if (prompt < 0) {
            throw new BadInputException("--prompt must be >= 0, got " + prompt);
        }
        try (LoadedModel m = LoadedModel.load(modelOptions.model, modelOptions.weightsSeed, modelOptions.runtime())) {
            if (prompt > m.config().nPositions()) {
                throw new BadInputException("--prompt must be <= the model's context of " + m.config().nPositions()
                        + " tokens (a window is at most that long), got " + prompt);
            }
            int[] ids = input.textFile != null ? m.tokenizer().encode(readText(input.textFile))
                    : IdsFile.read(input.idsFile);
            EngineConfig config = cacheFlags.engineConfig(2L * m.config().nLayer() * m.config().nEmbd()
                    * m.model().dtype().bytes());
            CachedTeacherForcing forcing = new CachedTeacherForcing(config.strategy(), config.cacheOptions(),
                    config.kvBudgetTokens(), chunk, prompt);
            Perplexity p = Perplexity.of(m.model(), forcing, ids);
            System.out.println(json ? json(m, config, p) : String.format(Locale.ROOT,
                    "perplexity %.4f  nll_per_token %.6f  num_tokens %d  (%s, %d window(s) of <= %d tokens, "
                            + "peak KV %.2f MiB, held between steps %.2f MiB)", p.perplexity(), p.nllPerToken(),
                    p.numTokens(), describe(config), p.numWindows(), m.config().nPositions(),
                    p.peakLiveBytes() / 1048576.0, p.peakHeldBytes() / 1048576.0));
            return 0;
        }
    }

    /** The strategy and the options it reads, from its description: {@code ring window 256 sinks 4}. */
    private String describe(EngineConfig config) {
        String options = description(config).describeOptions(config.cacheOptions());
        return options.isEmpty() ? cacheFlags.cache : cacheFlags.cache + " " + options;
    }

    private static StrategyDescription description(EngineConfig config) {
        return KvCacheRegistry.describe(config.strategy());
    }

    private String json(LoadedModel m, EngineConfig config, Perplexity p) {
        JsonObject o = new JsonObject();
        o.addProperty("model", m.name());
        o.addProperty("strategy", cacheFlags.cache);
        for (CacheOption c : CacheOption.values()) {             // the options the strategy reads, as its flags
            if (description(config).readsOption(c)) {
                Object v = c.flagValue(config.cacheOptions());
                String key = c.flag().replace('-', '_');
                if (v instanceof Number n) {
                    o.addProperty(key, n);
                } else {
                    o.addProperty(key, String.valueOf(v));
                }
            }
        }
        o.addProperty("perplexity", p.perplexity());
        o.addProperty("nll_per_token", p.nllPerToken());
        o.addProperty("num_tokens", p.numTokens());
        o.addProperty("num_windows", p.numWindows());
        o.addProperty("kv_peak_live_bytes", p.peakLiveBytes());
        o.addProperty("kv_peak_held_bytes", p.peakHeldBytes());
        return new GsonBuilder().disableHtmlEscaping().create().toJson(o);
    }

    private static String readText(Path f) throws IOException {
        if (!Files.isRegularFile(f)) {
            throw new BadInputException("--text-file " + f + ": not a readable file");
        }
        String text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
        if (text.isEmpty()) {
            throw new BadInputException("--text-file " + f + " is empty");
        }
        return text;
    }
}
