package dev.kvlab.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import dev.kvlab.cache.CacheOptions;
import dev.kvlab.runtime.EngineConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the server answers equals {@code kvlab generate} with the same inputs (greedy and seeded sampling, text and
 * token-id prompts, streamed and not), n samples are the seeds seed, seed + 1, ... forked off one prefill, stop
 * strings cut the text, and logprobs describe the sampled tokens.
 */
class ServerOutputsTest {
    private static KvlabServer server;
    private static int port;

    @BeforeAll
    static void start() {
        server = TestServers.paged(8, 16, null);
        port = server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static JsonObject complete(String body) {
        Http.Answer a = Http.post(port, body);
        assertEquals(200, a.status(), a.body());
        return a.json();
    }

    static JsonObject choice(JsonObject answer, int i) {
        return answer.getAsJsonArray("choices").get(i).getAsJsonObject();
    }

    private static String stream(String body) {
        List<String> events = Http.stream(port, body.replaceFirst("\\{", "{\"stream\":true,"));
        assertEquals("[DONE]", events.get(events.size() - 1));
        return Http.streamedText(events, 0);
    }

    @Test
    void greedyTextPromptEqualsGenerate() {
        JsonObject g = Generate.json("--prompt", "The quick brown fox", "--max-new-tokens", "24", "--ignore-eos",
                "--cache", "paged");
        String body = "{\"model\":\"tiny-random\",\"prompt\":\"The quick brown fox\",\"max_tokens\":24,"
                + "\"temperature\":0,\"ignore_eos\":true}";
        JsonObject a = complete(body);
        assertEquals(g.get("text").getAsString(), choice(a, 0).get("text").getAsString());
        assertEquals("length", choice(a, 0).get("finish_reason").getAsString());
        assertEquals(24, a.getAsJsonObject("usage").get("completion_tokens").getAsInt());
        assertEquals(g.getAsJsonArray("prompt_ids").size(), a.getAsJsonObject("usage").get("prompt_tokens").getAsInt());
        assertEquals(g.get("text").getAsString(), stream(body));
    }

    @Test
    void seededSampledTokenIdPromptEqualsGenerate() {
        JsonObject g = Generate.json("--prompt-ids", "464,2068,7586,21831", "--max-new-tokens", "20", "--ignore-eos",
                "--temperature", "0.9", "--top-k", "50", "--top-p", "0.95", "--seed", "11");
        String body = "{\"prompt\":[464,2068,7586,21831],\"max_tokens\":20,\"temperature\":0.9,\"top_k\":50,"
                + "\"top_p\":0.95,\"seed\":11,\"ignore_eos\":true}";
        assertEquals(g.get("text").getAsString(), choice(complete(body), 0).get("text").getAsString());
        assertEquals(g.get("text").getAsString(), stream(body));
    }

    private static final String HOBBIT = "In a hole in the ground there lived a hobbit. Not a nasty, dirty, wet hole, "
            + "filled with the ends of worms and an oozy smell, nor yet a dry";

    /** n = 3 of HOBBIT, seed 5: each choice equals {@code kvlab generate} seeded 5, 6, 7 (the no-fork oracle). */
    static JsonObject threeSamplesEqualGenerate(int port) {
        Http.Answer answer = Http.post(port, "{\"prompt\":\"" + HOBBIT + "\",\"max_tokens\":12,\"temperature\":1.0,"
                + "\"seed\":5,\"n\":3,\"ignore_eos\":true}");
        assertEquals(200, answer.status(), answer.body());
        JsonObject a = answer.json();
        assertEquals(3, a.getAsJsonArray("choices").size());
        for (int i = 0; i < 3; i++) {
            JsonObject g = Generate.json("--prompt", HOBBIT, "--max-new-tokens", "12", "--ignore-eos", "--temperature",
                    "1.0", "--seed", String.valueOf(5 + i));
            assertEquals(i, choice(a, i).get("index").getAsInt());
            assertEquals(g.get("text").getAsString(), choice(a, i).get("text").getAsString(), "choice " + i);
        }
        assertNotEquals(choice(a, 0).get("text"), choice(a, 1).get("text"));
        assertEquals(36, a.getAsJsonObject("usage").get("completion_tokens").getAsInt());
        return a;
    }

    private static void resetPrefixCache() {
        assertEquals(200, Http.send(Http.request(port, "/reset_prefix_cache")
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build()).status());
    }

    @Test
    void nSamplesAreConsecutiveSeedsForkedOffOnePrefill() {
        resetPrefixCache();   // another test may have left the prompt's first blocks in the prefix cache
        double computedBefore = metric("kvlab_computed_tokens_total");
        double hitsBefore = metric("kvlab_prefix_hit_tokens_total");
        JsonObject a = threeSamplesEqualGenerate(port);
        int promptTokens = a.getAsJsonObject("usage").get("prompt_tokens").getAsInt();
        assertTrue(promptTokens > 16 && promptTokens % 16 != 0, "the prompt spans a full block and ends mid-block: "
                + promptTokens);
        // the prompt is computed once (forked, not attached from the prefix cache), then 11 decodes per choice
        assertEquals(computedBefore + promptTokens + 3 * 11, settled("kvlab_computed_tokens_total",
                computedBefore + promptTokens + 3 * 11));
        assertEquals(hitsBefore, metric("kvlab_prefix_hit_tokens_total"));
        assertEquals(0, settled("kvlab_kv_blocks_used", 0), "every block is free at the end");
    }

    /**
     * The metric once it reads {@code expected}, or its value after 10 s: /metrics shows the engine as of the end of
     * its last step, published just after the step's tokens were handed to the answers.
     */
    private static double settled(String name, double expected) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        double v = metric(name);
        while (v != expected && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            v = metric(name);
        }
        return v;
    }

    @Test
    void resetPrefixCacheMakesARepeatedPromptComputeAgain() {
        String body = "{\"prompt\":\"" + HOBBIT + " again\",\"max_tokens\":2,\"temperature\":0}";
        double hits0 = metric("kvlab_prefix_hit_tokens_total");
        complete(body);
        double hits1 = settled("kvlab_prefix_hit_tokens_total", hits0);
        complete(body);
        double hits2 = metric("kvlab_prefix_hit_tokens_total");
        assertTrue(hits2 >= hits1 + 16, "the repeated prompt attaches its full blocks: " + hits1 + " -> " + hits2);
        resetPrefixCache();
        assertEquals(405, Http.get(port, "/reset_prefix_cache").status());
        complete(body);
        assertEquals(hits2, metric("kvlab_prefix_hit_tokens_total"), "after the reset nothing is found");
    }

    @Test
    void nSamplesOnAStrategyThatCannotForkAreIndependentRequests() {
        EngineConfig config = new EngineConfig("contiguous", CacheOptions.DEFAULTS, 0, 8, 512);
        try (KvlabServer contiguous = KvlabServer.start(TestServers.model(), config, new ServerOptions("127.0.0.1",
                0, null, 16, 64 * 1024, 60, TestServers.MODEL), 2, 1)) {
            threeSamplesEqualGenerate(contiguous.port());
        }
    }

    /** One sample of /metrics by its full name (labels included); every line must be Prometheus text format. */
    private static double metric(String name) {
        Http.Answer a = Http.get(port, "/metrics");
        assertEquals(200, a.status());
        double found = Double.NaN;
        for (String l : a.body().lines().toList()) {
            if (l.startsWith("#")) {
                assertTrue(l.matches("# (HELP|TYPE) kvlab_[a-z0-9_]+ .+"), l);
                continue;
            }
            assertTrue(l.matches("kvlab_[a-z0-9_]+(\\{[a-z]+=\"[^\"]*\"\\})? [-+0-9.eE]+|.* \\+Inf|.*NaN"), l);
            if (l.startsWith(name + " ")) {
                found = Double.parseDouble(l.substring(name.length() + 1));
            }
        }
        return found;
    }

    @Test
    void metricsCountWhatWasServed() throws InterruptedException {
        ServerCancelTest.awaitIdle(server);   // requests cancelled by earlier tests may still be ending
        double ttft = metric("kvlab_time_to_first_token_seconds_count");
        double length = metric("kvlab_requests_finished_total{reason=\"length\"}");
        double tokens = metric("kvlab_generation_tokens_total");
        complete("{\"prompt\":\"a\",\"max_tokens\":3,\"ignore_eos\":true}");
        complete("{\"prompt\":\"b\",\"max_tokens\":4,\"ignore_eos\":true}");
        assertEquals(ttft + 2, metric("kvlab_time_to_first_token_seconds_count"));
        assertEquals((Double.isNaN(length) ? 0 : length) + 2, metric("kvlab_requests_finished_total{reason=\"length\"}"));
        assertEquals(tokens + 7, metric("kvlab_generation_tokens_total"));
        assertEquals(0, metric("kvlab_requests_running"));
        assertEquals(0, metric("kvlab_kv_reserved_bytes"));
        assertTrue(metric("kvlab_kv_capacity_bytes") > 0);
    }

    @Test
    void listOfPromptsGivesNChoicesEachInPromptOrderAndEchoPrependsThePrompt() {
        JsonObject a = complete("{\"prompt\":[\"Good morning\",[464,2068]],\"max_tokens\":5,\"temperature\":0,"
                + "\"n\":2,\"ignore_eos\":true,\"echo\":true}");
        assertEquals(4, a.getAsJsonArray("choices").size());
        String first = Generate.json("--prompt", "Good morning", "--max-new-tokens", "5", "--ignore-eos")
                .get("text").getAsString();
        JsonObject second = Generate.json("--prompt-ids", "464,2068", "--max-new-tokens", "5", "--ignore-eos");
        String secondPrompt = TestServers.model().tokenizer().decode(new int[] {464, 2068});
        for (int i = 0; i < 4; i++) {
            assertEquals(i, choice(a, i).get("index").getAsInt());
            String expected = i < 2 ? "Good morning" + first : secondPrompt + second.get("text").getAsString();
            assertEquals(expected, choice(a, i).get("text").getAsString(), "choice " + i);
        }
        assertEquals(2 + 2, a.getAsJsonObject("usage").get("prompt_tokens").getAsInt(), "each prompt counted once");
        assertEquals(20, a.getAsJsonObject("usage").get("completion_tokens").getAsInt());
    }

    @Test
    void stopStringCutsTheTextBeforeItStreamedAndNot() {
        JsonObject g = Generate.json("--prompt", "Once upon a time", "--max-new-tokens", "40", "--ignore-eos");
        String full = g.get("text").getAsString();
        String stop = full.substring(full.length() / 2, full.length() / 2 + 3);
        String expected = full.substring(0, full.indexOf(stop));
        String body = "{\"prompt\":\"Once upon a time\",\"max_tokens\":40,\"temperature\":0,\"ignore_eos\":true,"
                + "\"stop\":[" + JsonParser.parseString("\"" + stop.replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
                + "]}";
        JsonObject a = complete(body);
        assertEquals(expected, choice(a, 0).get("text").getAsString());
        assertEquals("stop", choice(a, 0).get("finish_reason").getAsString());
        assertEquals(expected, stream(body));
    }

    @Test
    void logprobsDescribeTheGreedyTokens() {
        JsonObject a = complete("{\"prompt\":\"Hello\",\"max_tokens\":6,\"temperature\":0,\"ignore_eos\":true,"
                + "\"logprobs\":3}");
        JsonObject lp = choice(a, 0).getAsJsonObject("logprobs");
        JsonArray tokens = lp.getAsJsonArray("tokens");
        assertEquals(6, tokens.size());
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            double chosen = lp.getAsJsonArray("token_logprobs").get(i).getAsDouble();
            JsonObject top = lp.getAsJsonArray("top_logprobs").get(i).getAsJsonObject();
            double best = top.entrySet().stream().mapToDouble(e -> e.getValue().getAsDouble()).max().orElseThrow();
            assertEquals(best, chosen, 0.0, "greedy picks the most likely token");
            assertTrue(chosen < 0 && top.size() >= 1 && top.size() <= 4, top.toString());
            assertEquals(text.length(), lp.getAsJsonArray("text_offset").get(i).getAsInt());
            text.append(tokens.get(i).getAsString());
        }
        assertEquals(choice(a, 0).get("text").getAsString(), text.toString());
    }
}
