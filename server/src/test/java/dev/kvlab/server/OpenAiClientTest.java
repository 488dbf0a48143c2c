package dev.kvlab.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The official {@code openai} npm client (server/test-client, installed by {@code npm ci} in .ci/run) against kvlab
 * serve on loopback: completions, streaming (with usage), n, models, and its error classes for 400 and 401. Texts are
 * compared with {@code kvlab generate} run in this JVM.
 */
class OpenAiClientTest {
    private static final Path CLIENT = Path.of("test-client");
    private static final String KEY = "sk-kvlab-test";

    @Test
    void officialNodeClientGetsWhatGenerateGives() throws Exception {
        boolean installed = Files.isDirectory(CLIENT.resolve("node_modules/openai"));
        // CI installs the client (.ci/run), so there a missing client is a failure, not a skip.
        assertTrue(installed || System.getenv("CI") == null,
                "CI is set but server/test-client has no node_modules/openai: .ci/run's 'npm ci' did not run");
        Assumptions.assumeTrue(installed, "run 'npm ci' in server/test-client first (.ci/run does)");
        JsonObject out;
        try (KvlabServer server = TestServers.paged(4, 8, KEY)) {
            out = run("http://127.0.0.1:" + server.port() + "/v1", KEY, TestServers.MODEL);
            ServerCancelTest.awaitIdle(server);
        }
        String greedy = Generate.json("--prompt", "The quick brown fox", "--max-new-tokens", "16", "--ignore-eos")
                .get("text").getAsString();
        assertEquals(TestServers.MODEL, out.getAsJsonArray("models").get(0).getAsString());

        JsonObject plain = out.getAsJsonObject("plain");
        assertEquals(greedy, plain.get("text").getAsString());
        assertEquals("length", plain.get("finish").getAsString());
        assertEquals(16, plain.getAsJsonObject("usage").get("completion_tokens").getAsInt());

        JsonObject stream = out.getAsJsonObject("stream");
        assertEquals(greedy, stream.get("text").getAsString());
        assertEquals(16, stream.get("chunks").getAsInt(), "one chunk per token");
        assertEquals("length", stream.get("finish").getAsString());
        assertEquals(16, stream.getAsJsonObject("usage").get("completion_tokens").getAsInt());

        JsonArray n = out.getAsJsonArray("n");
        JsonArray nStream = out.getAsJsonArray("nStream");
        assertEquals(2, n.size());
        for (int i = 0; i < 2; i++) {
            String expected = Generate.json("--prompt", "The quick brown fox", "--max-new-tokens", "8", "--ignore-eos",
                    "--temperature", "1", "--seed", String.valueOf(3 + i)).get("text").getAsString();
            assertEquals(i, n.get(i).getAsJsonObject().get("index").getAsInt());
            assertEquals(expected, n.get(i).getAsJsonObject().get("text").getAsString(), "choice " + i);
            assertEquals(expected, nStream.get(i).getAsString(), "streamed choice " + i);
        }

        assertEquals(400, out.getAsJsonObject("badModel").get("status").getAsInt());
        assertTrue(out.getAsJsonObject("badModel").get("message").getAsString().contains("does not exist"));
        assertEquals(401, out.getAsJsonObject("badKey").get("status").getAsInt());
    }

    private static JsonObject run(String baseUrl, String key, String model) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("node", "check.mjs", baseUrl, key, model).directory(CLIENT.toFile())
                .redirectErrorStream(true).start();
        byte[] bytes = p.getInputStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("node did not finish");
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        String last = text.strip().lines().reduce((a, b) -> b).orElseThrow();
        return JsonParser.parseString(last).getAsJsonObject();
    }
}
