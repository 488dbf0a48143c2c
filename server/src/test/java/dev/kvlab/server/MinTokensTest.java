package dev.kvlab.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.kvlab.cache.CacheOptions;
import dev.kvlab.model.Checkpoints;
import dev.kvlab.model.PatchedSource;
import dev.kvlab.model.TensorSource;
import dev.kvlab.model.torch.ComputeDType;
import dev.kvlab.model.torch.DeviceKind;
import dev.kvlab.model.torch.RuntimeOptions;
import dev.kvlab.runtime.EngineConfig;
import dev.kvlab.runtime.LoadedModel;
import dev.kvlab.runtime.ModelRef;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * vLLM's {@code min_tokens} and {@code ignore_eos} end to end through the HTTP server. tiny-random almost never picks
 * EOS, so the model here is tiny-random with its final layer norm's bias pushed along EOS's embedding (lm_head is
 * tied to wte): EOS then gets about +30 on its logit at every position, while the other tokens still depend on the
 * input. The test first shows that this model stops at once without the fields (the precondition), then that
 * {@code min_tokens} holds EOS off for exactly that many tokens (which equal {@code kvlab generate --ignore-eos}, the
 * oracle), greedy and sampled, streamed and not, and that {@code ignore_eos} runs to {@code max_tokens}.
 */
class MinTokensTest {
    private static final String PROMPT = "[464,2068,7586,21831]";
    private static final int EOS = 50256;
    private static Path dir;
    private static LoadedModel model;
    private static KvlabServer server;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("kvlab-eos-heavy");
        try (TensorSource src = ModelRef.openWeights(TestServers.MODEL, 0)) {
            Checkpoints.write(eosHeavy(src), dir);
        }
        model = LoadedModel.load(dir.toString(), 0, new RuntimeOptions(DeviceKind.CPU, 1, ComputeDType.FLOAT32));
        EngineConfig config = new EngineConfig("paged", CacheOptions.DEFAULTS, 0, 8, 512);
        server = KvlabServer.start(model, config, new ServerOptions("127.0.0.1", 0, null, 16, 64 * 1024, 60,
                "eos-heavy"), 2, 1);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        model.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static JsonObject complete(String fields) {
        Http.Answer a = Http.post(server.port(), "{\"prompt\":" + PROMPT + ",\"max_tokens\":12," + fields + "}");
        assertEquals(200, a.status(), a.body());
        return a.json();
    }

    private static int tokens(JsonObject answer) {
        return answer.getAsJsonObject("usage").get("completion_tokens").getAsInt();
    }

    private static String finish(JsonObject answer) {
        return ServerOutputsTest.choice(answer, 0).get("finish_reason").getAsString();
    }

    private static String text(JsonObject answer) {
        return ServerOutputsTest.choice(answer, 0).get("text").getAsString();
    }

    /** {@code kvlab generate --ignore-eos} on the same model: the tokens with EOS never picked. */
    private static String generateIgnoringEos(int n, String... sampling) {
        List<String> args = new java.util.ArrayList<>(List.of("--prompt-ids", "464,2068,7586,21831",
                "--max-new-tokens", String.valueOf(n), "--ignore-eos"));
        args.addAll(List.of(sampling));
        return Generate.jsonFor(dir.toString(), args.toArray(String[]::new)).get("text").getAsString();
    }

    @Test
    void withoutTheFieldsThisModelStopsAtOnce() {
        JsonObject a = complete("\"temperature\":0");
        assertEquals("stop", finish(a));
        assertEquals(1, tokens(a), "EOS is the first token");
        JsonObject sampled = complete("\"temperature\":1,\"seed\":3");
        assertEquals("stop", finish(sampled));
        assertTrue(tokens(sampled) <= 2, sampled.toString());
    }

    @Test
    void minTokensHoldsEosOffForThatManyTokens() {
        JsonObject a = complete("\"temperature\":0,\"min_tokens\":6");
        assertTrue(tokens(a) >= 6, a.toString());
        assertEquals("stop", finish(a), "EOS comes as soon as it is allowed");
        assertEquals(7, tokens(a), "6 held off, then EOS");
        assertEquals(generateIgnoringEos(6), text(a));
        JsonObject sampled = complete("\"temperature\":1,\"seed\":3,\"min_tokens\":6");
        assertTrue(tokens(sampled) >= 6, sampled.toString());
        assertTrue(text(sampled).startsWith(generateIgnoringEos(6, "--temperature", "1", "--seed", "3")),
                sampled.toString());
    }

    @Test
    void minTokensHoldsEosOffWhenStreamedToo() {
        List<String> events = Http.stream(server.port(), "{\"prompt\":" + PROMPT + ",\"max_tokens\":12,"
                + "\"temperature\":0,\"min_tokens\":5,\"stream\":true}");
        assertEquals(generateIgnoringEos(5), Http.streamedText(events, 0));
        long tokenEvents = events.stream().filter(e -> e.contains("\"choices\":[{")).count();
        assertEquals(6, tokenEvents, "one event per token: 5 held off, then EOS: " + events);
    }

    @Test
    void ignoreEosRunsToMaxTokens() {
        JsonObject a = complete("\"temperature\":0,\"ignore_eos\":true");
        assertEquals("length", finish(a));
        assertEquals(12, tokens(a));
        assertEquals(generateIgnoringEos(12), text(a));
    }

    /** tiny-random with {@code ln_f.bias += 30 / |e|^2 * e}, e = wte[EOS]: EOS's logit gains 30 everywhere. */
    private static TensorSource eosHeavy(TensorSource src) {
        int width = src.config().nEmbd();
        ByteBuffer wte = src.bytes("wte.weight").order(ByteOrder.LITTLE_ENDIAN);
        float[] e = new float[width];
        double norm2 = 0;
        for (int j = 0; j < width; j++) {
            e[j] = wte.getFloat((EOS * width + j) * 4);
            norm2 += e[j] * e[j];
        }
        double scale = 30.0 / norm2;
        return new PatchedSource(src, "ln_f.bias", (j, old) -> (float) (old + scale * e[j]));
    }
}
