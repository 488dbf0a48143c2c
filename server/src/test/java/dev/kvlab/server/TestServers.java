package dev.kvlab.server;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.model.torch.ComputeDType;
import dev.kvlab.model.torch.DeviceKind;
import dev.kvlab.model.torch.RuntimeOptions;
import dev.kvlab.runtime.EngineConfig;
import dev.kvlab.runtime.LoadedModel;

/**
 * The tiny-random model (CPU, one thread), loaded once per test JVM, and servers over it on a free loopback port.
 */
final class TestServers {
    static final String MODEL = "tiny-random";
    private static LoadedModel model;

    private TestServers() {
    }

    static synchronized LoadedModel model() {
        if (model == null) {
            model = LoadedModel.load(MODEL, 0, new RuntimeOptions(DeviceKind.CPU, 1, ComputeDType.FLOAT32));
        }
        return model;
    }

    /** A paged-cache server (prefix sharing on) with the given limits. */
    static KvlabServer paged(int maxSeqs, int maxWaiting, String apiKey) {
        return paged(maxSeqs, maxWaiting, apiKey, 60);
    }

    /** @param graceSeconds how long close() lets running requests finish (the machine may be very busy) */
    static KvlabServer paged(int maxSeqs, int maxWaiting, String apiKey, double graceSeconds) {
        EngineConfig config = new EngineConfig("paged", CacheOptions.DEFAULTS.withPrefixSharing(true), 0, maxSeqs, 512);
        return KvlabServer.start(model(), config, new ServerOptions("127.0.0.1", 0, apiKey, maxWaiting, 64 * 1024,
                graceSeconds, MODEL), 2, 1);
    }
}
