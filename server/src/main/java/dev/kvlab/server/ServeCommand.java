package dev.kvlab.server;

import dev.kvlab.model.Gpt2Config;
import dev.kvlab.runtime.LoadedModel;
import dev.kvlab.runtime.cli.CacheFlags;
import dev.kvlab.runtime.cli.ModelOptions;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kvlab serve}: loads the model and serves the OpenAI completions API until SIGTERM or SIGINT. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve the model over an OpenAI-compatible HTTP API: POST /v1/completions (streaming, n, "
                + "logprobs, stop), GET /v1/models, /health, /metrics.",
            "SIGTERM or Ctrl-C: stop accepting, let running requests finish for --shutdown-grace seconds, cancel the "
                + "rest, exit."})
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8000", description = "TCP port; 0 = any free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require 'Authorization: Bearer KEY' on /v1/* (default: the KVLAB_API_KEY variable, else none).")
    String apiKey;

    @Option(names = "--served-model-name", paramLabel = "NAME", description = "Model name clients use (default: --model).")
    String servedModelName;

    @Option(names = "--max-waiting", defaultValue = "256",
            description = "Requests that may wait beyond --max-seqs running ones; more get 503 (default: ${DEFAULT-VALUE}).")
    int maxWaiting;

    @Option(names = "--max-body-bytes", defaultValue = "4194304",
            description = "Larger request bodies get 413 (default: ${DEFAULT-VALUE}).")
    int maxBodyBytes;

    @Option(names = "--shutdown-grace", defaultValue = "10", paramLabel = "SECONDS",
            description = "On SIGTERM, how long running requests may finish before they are cancelled (default: ${DEFAULT-VALUE}).")
    double shutdownGrace;

    @Option(names = "--io-threads", defaultValue = "2", description = "HTTP I/O threads (default: ${DEFAULT-VALUE}).")
    int ioThreads;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    CacheFlags cacheFlags;

    @Override
    public Integer call() throws InterruptedException {
        if (ioThreads < 1 || ioThreads > 64) {
            throw new IllegalArgumentException("--io-threads must be in [1, 64], got " + ioThreads);
        }
        String key = apiKey != null ? apiKey : System.getenv("KVLAB_API_KEY");
        ServerOptions options = new ServerOptions(host, port, key, maxWaiting, maxBodyBytes, shutdownGrace,
                servedModelName != null ? servedModelName : modelOptions.model);
        LoadedModel model = LoadedModel.load(modelOptions.model, modelOptions.weightsSeed, modelOptions.runtime());
        KvlabServer server;
        try {
            server = KvlabServer.start(model, cacheFlags.engineConfig(bytesPerToken(model)), options, ioThreads,
                    modelOptions.threads);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            System.err.println("kvlab serve: shutting down (grace " + shutdownGrace + " s)");
            server.close();
            model.close();
            stopped.countDown();
        }, "kvlab-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        System.err.println("kvlab serve: model " + options.servedModelName() + ", cache " + cacheFlags.cache
                + ", listening on http://" + host + ":" + server.port() + "/v1");
        stopped.await();
        return 0;
    }

    private static long bytesPerToken(LoadedModel m) {
        Gpt2Config c = m.config();
        return 2L * c.nLayer() * c.nEmbd() * m.model().dtype().bytes();
    }

}
