package dev.kvlab.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A bounded load test on loopback: 300 requests from 32 concurrent clients with Poisson arrivals (seeded), a tenth
 * invalid, a tenth hung up mid-stream, the rest greedy (streamed or not) over six prompts. Every valid request is
 * answered exactly once and completely with the text {@code kvlab generate} gives; every hung-up one is cancelled;
 * at the end nothing is in flight, the cache reserves nothing and the process's resident memory grew by less than
 * the bound below between the first and the last third.
 */
class ServerLoadTest {
    private static final int REQUESTS = 300;
    private static final int CLIENTS = 32;
    private static final double RATE_PER_S = 40;
    private static final String[] PROMPTS = {"The quick brown fox", "Once upon a time", "In the beginning",
        "It was a dark and stormy night", "Call me Ishmael.", "Hello"};
    /** Resident memory growth allowed between the first third and the end (a leak of cache or buffers is far more). */
    private static final long RSS_BOUND_BYTES = 96L << 20;

    enum Kind { VALID_STREAM, VALID_PLAIN, INVALID, HANG_UP }

    record Spec(int i, Kind kind, int prompt, double arrivalMs) {
        int maxTokens() {
            return kind == Kind.HANG_UP ? 400 : 6 + 3 * prompt;
        }

        String body() {
            String common = "\"prompt\":\"" + PROMPTS[prompt] + "\",\"max_tokens\":" + maxTokens()
                    + ",\"temperature\":0,\"ignore_eos\":true";
            return switch (kind) {
                case VALID_PLAIN -> "{" + common + "}";
                case VALID_STREAM, HANG_UP -> "{" + common + ",\"stream\":true}";
                case INVALID -> "{" + common + ",\"top_p\":0}";
            };
        }
    }

    record Outcome(Spec spec, int status, String text, int tokens, String finish, int doneMarkers, int finishes) {
    }

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void threeHundredRequestsThirtyTwoClients() throws Exception {
        String[] expected = new String[PROMPTS.length];
        for (int p = 0; p < PROMPTS.length; p++) {
            expected[p] = Generate.json("--prompt", PROMPTS[p], "--max-new-tokens", String.valueOf(6 + 3 * p),
                    "--ignore-eos", "--cache", "paged").get("text").getAsString();
        }
        List<Spec> specs = workload();
        List<Outcome> outcomes = new ArrayList<>();
        long rssAfterFirstThird;
        try (KvlabServer server = TestServers.paged(8, 64, null)) {
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            try {
                long t0 = System.nanoTime();
                List<Future<Outcome>> futures = new ArrayList<>();
                for (Spec s : specs) {
                    long wait = t0 + Math.round(s.arrivalMs() * 1e6) - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    futures.add(clients.submit(() -> call(server.port(), s)));
                }
                rssAfterFirstThird = -1;
                for (int i = 0; i < futures.size(); i++) {
                    outcomes.add(futures.get(i).get(300, TimeUnit.SECONDS));
                    if (i == REQUESTS / 3) {
                        rssAfterFirstThird = rss();
                    }
                }
            } finally {
                clients.shutdownNow();
            }
            ServerCancelTest.awaitIdle(server);
            long hungUp = specs.stream().filter(s -> s.kind() == Kind.HANG_UP).count();
            long valid = specs.stream().filter(s -> s.kind() == Kind.VALID_PLAIN || s.kind() == Kind.VALID_STREAM).count();
            assertEquals(hungUp, server.finishedCount("cancelled"), "every hung-up request was cancelled");
            assertEquals(valid, server.finishedCount("length"), "every valid request ran to its length, once");
        }
        for (Outcome o : outcomes) {
            Spec s = o.spec();
            switch (s.kind()) {
                case INVALID -> assertEquals(400, o.status(), "request " + s.i());
                case HANG_UP -> assertEquals(200, o.status(), "request " + s.i());
                default -> {
                    assertEquals(200, o.status(), "request " + s.i());
                    assertEquals(expected[s.prompt()], o.text(), "request " + s.i());
                    assertEquals(s.maxTokens(), o.tokens(), "request " + s.i());
                    assertEquals("length", o.finish(), "request " + s.i());
                    if (s.kind() == Kind.VALID_STREAM) {
                        assertEquals(1, o.doneMarkers(), "request " + s.i() + ": one [DONE]");
                        assertEquals(1, o.finishes(), "request " + s.i() + ": one finish_reason");
                    }
                }
            }
        }
        long growth = rss() - rssAfterFirstThird;
        System.out.printf("load test: %d requests, RSS after a third %.1f MiB, growth to the end %.1f MiB%n", REQUESTS,
                rssAfterFirstThird / 1048576.0, growth / 1048576.0);
        assertTrue(growth < RSS_BOUND_BYTES, "resident memory grew by " + growth + " bytes");
    }

    /** Seeded: kinds in the proportions of the class comment, Poisson arrivals at RATE_PER_S. */
    private static List<Spec> workload() {
        Random r = new Random(42);
        List<Spec> specs = new ArrayList<>();
        double t = 0;
        for (int i = 0; i < REQUESTS; i++) {
            t += -Math.log(1 - r.nextDouble()) / RATE_PER_S * 1000;
            Kind kind = i % 10 == 3 ? Kind.INVALID : i % 10 == 7 ? Kind.HANG_UP
                    : r.nextBoolean() ? Kind.VALID_STREAM : Kind.VALID_PLAIN;
            specs.add(new Spec(i, kind, r.nextInt(PROMPTS.length), t));
        }
        return specs;
    }

    private static Outcome call(int port, Spec s) throws Exception {
        if (s.kind() == Kind.VALID_PLAIN || s.kind() == Kind.INVALID) {
            Http.Answer a = Http.post(port, s.body());
            if (a.status() != 200) {
                return new Outcome(s, a.status(), null, 0, null, 0, 0);
            }
            JsonObject o = a.json();
            JsonObject c = o.getAsJsonArray("choices").get(0).getAsJsonObject();
            return new Outcome(s, 200, c.get("text").getAsString(),
                    o.getAsJsonObject("usage").get("completion_tokens").getAsInt(), c.get("finish_reason").getAsString(),
                    0, 1);
        }
        HttpResponse<InputStream> r = Http.open(port, s.body());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            if (s.kind() == Kind.HANG_UP) {
                Http.events(in, 1 + s.i() % 3);
                return new Outcome(s, r.statusCode(), null, 0, null, 0, 0);   // closing the stream hangs up
            }
            StringBuilder text = new StringBuilder();
            int tokens = 0;
            int done = 0;
            int finishes = 0;
            String finish = null;
            for (String e : Http.events(in, Integer.MAX_VALUE)) {
                if (e.equals("[DONE]")) {
                    done++;
                    continue;
                }
                JsonObject c = JsonParser.parseString(e).getAsJsonObject().getAsJsonArray("choices").get(0)
                        .getAsJsonObject();
                tokens++;
                text.append(c.get("text").getAsString());
                if (!c.get("finish_reason").isJsonNull()) {
                    finishes++;
                    finish = c.get("finish_reason").getAsString();
                }
            }
            return new Outcome(s, r.statusCode(), text.toString(), tokens, finish, done, finishes);
        }
    }

    /** Resident set size of this process, bytes (Linux). */
    private static long rss() throws Exception {
        System.gc();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
