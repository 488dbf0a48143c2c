package dev.kvlab.runtime.cli;

import dev.kvlab.model.Gpt2Config;
import dev.kvlab.runtime.Engine;
import dev.kvlab.runtime.EngineConfig;
import dev.kvlab.runtime.EngineStats;
import dev.kvlab.runtime.GenerationRequest;
import dev.kvlab.runtime.LoadedModel;
import dev.kvlab.runtime.PromptsFile;
import dev.kvlab.runtime.RequestResult;
import dev.kvlab.runtime.ResultJson;
import dev.kvlab.runtime.SamplingParams;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kvlab generate}: one prompt, or a file of requests served with continuous batching. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate text with GPT-2. Greedy unless --temperature > 0.")
public final class GenerateCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt text.")
        String prompt;

        @Option(names = "--prompt-ids", paramLabel = "IDS", split = ",", description = "Prompt token ids: 1,2,3.")
        int[] promptIds;

        @Option(names = "--prompts-file", paramLabel = "F.jsonl", description = "One request per line (see README).")
        Path promptsFile;
    }

    @Option(names = "--max-new-tokens", defaultValue = "32", description = "Tokens to generate at most.")
    int maxNewTokens;

    @Option(names = "--ignore-eos", description = "Never pick EOS: exactly --max-new-tokens tokens come out.")
    boolean ignoreEos;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy.")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "0 = no limit.")
    int topK;

    @Option(names = "--top-p", defaultValue = "1.0", description = "1.0 = no limit.")
    double topP;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed.")
    long seed;

    @Option(names = "--batch-invariant", description = "Each request's logits bitwise the same alone or in any batch, "
            + "chunking or preemption (so sampled output too); slower (see README, 'Batch invariance').")
    boolean batchInvariant;

    @Option(names = "--json", description = "One JSON object per line per request, then a summary line.")
    boolean json;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    CacheFlags cacheFlags;

    @Override
    public Integer call() {
        GenerationRequest defaults = new GenerationRequest("default", new int[] {0}, maxNewTokens,
                new SamplingParams(temperature, topK, topP, seed), ignoreEos, new int[0]);
        try (LoadedModel m = LoadedModel.load(modelOptions.model, modelOptions.weightsSeed, modelOptions.runtime())) {
            List<GenerationRequest> requests = requests(m, defaults);
            requests.forEach(r -> RequestChecks.check(r, m.config()));
            EngineConfig config = cacheFlags.engineConfig(bytesPerToken(m)).withBatchInvariant(batchInvariant);
            try (Engine engine = new Engine(m.model(), config)) {
                Report report = new Report(m, engine);
                long t0 = System.nanoTime();
                engine.runToCompletion(requests, report::finished);
                return report.end(requests.size(), (System.nanoTime() - t0) / 1e9);
            }
        }
    }

    private List<GenerationRequest> requests(LoadedModel m, GenerationRequest d) {
        if (input.promptsFile != null) {
            return PromptsFile.read(input.promptsFile, m.tokenizer()::encode, d);
        }
        int[] ids = input.prompt != null ? m.tokenizer().encode(input.prompt) : input.promptIds;
        if (ids.length == 0) {
            throw new BadInputException("the prompt is empty");
        }
        return List.of(new GenerationRequest("0", ids, d.maxNewTokens(), d.sampling(), d.ignoreEos(), new int[0]));
    }

    /**
     * Writes each request's result the moment it finishes (its JSON line, or its text), flushed, so an interrupted
     * run keeps every finished result on stdout; a rejected or failed request gets its line too (and one on
     * stderr). Lines come in finishing order; each names its request id.
     */
    private final class Report {
        private final LoadedModel m;
        private final Engine engine;
        private final PrintStream out = System.out;
        private long outputTokens;
        private int failed;

        Report(LoadedModel m, Engine engine) {
            this.m = m;
            this.engine = engine;
        }

        void finished(RequestResult r) {
            outputTokens += r.generatedIds().length;
            if (r.rejected() || r.failed()) {
                failed++;
                System.err.println("kvlab: error: request " + r.id() + " " + r.finishReason().label() + ": " + r.detail());
            }
            if (json) {
                out.println(ResultJson.request(r, m.tokenizer().decode(r.generatedIds()), engine.stats()));
            } else if (!r.rejected() && !r.failed()) {
                out.println(m.tokenizer().decode(r.promptIds()) + m.tokenizer().decode(r.generatedIds()));
            }
            out.flush();
            if (out.checkError()) {
                throw new OutputFailedException();
            }
        }

        int end(int requests, double wall) {
            EngineStats stats = engine.stats();
            if (json && requests > 1) {
                out.println(ResultJson.summary(stats, requests, outputTokens, wall));
            }
            if (!json) {
                System.err.printf("kvlab: %d tokens in %.2f s (%.1f tok/s), cache %s, peak KV %.1f MiB, waste %.1f%%%n",
                        outputTokens, wall, outputTokens / wall, cacheFlags.cache,
                        stats.kv().peakReservedBytes() / 1048576.0, stats.kv().wastePercent());
            }
            return failed > 0 ? KvlabCli.BAD_INPUT : 0;
        }
    }

    private static long bytesPerToken(LoadedModel m) {
        Gpt2Config c = m.config();
        return 2L * c.nLayer() * c.nEmbd() * m.model().dtype().bytes();
    }
}
