package dev.kvlab.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kvlab.cache.CacheOptions;
import dev.kvlab.model.torch.ComputeDType;
import dev.kvlab.model.torch.DeviceKind;
import dev.kvlab.model.torch.RuntimeOptions;
import dev.kvlab.runtime.EngineConfig;
import dev.kvlab.runtime.LoadedModel;
import dev.kvlab.runtime.cli.KvlabCli;
import dev.kvlab.server.KvlabServer;
import dev.kvlab.server.ServerOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kvlab bench --server} against {@code kvlab serve} on loopback: every request of the workload completes with
 * exactly its output length as counted on the client, one run per rate, rows marked with the server's URL.
 */
class BenchServerTest {
    @Test
    void benchDrivesKvlabServeOverHttp(@TempDir Path dir) throws IOException, InterruptedException {
        try (LoadedModel model = LoadedModel.load("tiny-random", 0,
                new RuntimeOptions(DeviceKind.CPU, 1, ComputeDType.FLOAT32));
             KvlabServer server = KvlabServer.start(model, new EngineConfig("paged", CacheOptions.DEFAULTS, 0, 4, 512),
                     new ServerOptions("127.0.0.1", 0, "sk-bench", 16, 1 << 20, 30, "tiny-random"), 2, 1)) {
            String url = "http://127.0.0.1:" + server.port() + "/v1";
            BenchCommandSmokeTest.Outcome o = BenchCommandSmokeTest.bench("--server", url, "--api-key", "sk-bench",
                    "--requests", "6", "--prompt-tokens", "40", "--output-tokens", "5", "--rates", "inf,50",
                    "--out", dir.toString());
            assertEquals(0, o.code(), o.err());
            List<RequestSpec> workload = Workloads.build(new WorkloadSpec("mixed", 6, 40, 5, 0, 0), 50256, 1024);
            Map<String, Integer> lengths = new HashMap<>();
            workload.forEach(r -> lengths.put(r.id(), r.maxNewTokens()));
            int expected = lengths.values().stream().mapToInt(Integer::intValue).sum();

            List<JsonObject> runs = lines(dir.resolve("runs.jsonl"));
            assertEquals(2, runs.size(), "one run per rate; strategies do not apply to a server");
            for (JsonObject r : runs) {
                assertTrue(r.get("label").getAsString().startsWith("server"), r.toString());
                assertEquals(url, r.get("target").getAsString());
                assertEquals(6, r.get("completed").getAsInt());
                assertEquals(0, r.get("failed").getAsInt());
                assertEquals(expected, r.get("total_output_tokens").getAsInt());
                assertTrue(r.get("median_ttft_ms").getAsDouble() <= r.get("median_e2el_ms").getAsDouble());
            }
            for (JsonObject q : lines(dir.resolve("requests.jsonl"))) {
                assertEquals(lengths.get(q.get("id").getAsString()).intValue(), q.get("output_tokens").getAsInt(),
                        q.toString());
            }
            assertEquals(0, server.inFlight());
            // Runs start from an empty prefix cache (reset before each), as in-process runs start from a fresh
            // engine: the warm-up and the first rate's run leave the same seeded prompts behind, which would
            // otherwise be attached, not computed (the mixed prompts share no block within a run).
            java.net.http.HttpResponse<String> metrics = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + server.port()
                            + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertTrue(metrics.body().lines().anyMatch(l -> l.equals("kvlab_prefix_hit_tokens_total 0.0")),
                    metrics.body());
        }
    }

    @Test
    void unreachableServerOrStrayFlagsAreBadInput() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();   // closed again: nothing listens there
        }
        BenchCommandSmokeTest.Outcome o = BenchCommandSmokeTest.bench("--server", "http://127.0.0.1:" + port + "/v1",
                "--requests", "2");
        assertEquals(KvlabCli.BAD_INPUT, o.code(), o.err());
        assertTrue(o.err().contains("cannot be reached"), o.err());
        BenchCommandSmokeTest.Outcome stray = BenchCommandSmokeTest.bench("--api-key", "k", "--requests", "2");
        assertEquals(KvlabCli.BAD_INPUT, stray.code(), stray.err());
        BenchCommandSmokeTest.Outcome ftp = BenchCommandSmokeTest.bench("--server", "ftp://x/v1", "--requests", "2");
        assertEquals(KvlabCli.BAD_INPUT, ftp.code(), ftp.err());
    }

    private static List<JsonObject> lines(Path p) throws IOException {
        return Files.readAllLines(p).stream().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    }
}
