package dev.kvlab.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Error paths through curl (or the JDK client where curl is missing): OpenAI-style JSON errors with the right status. */
class ServerErrorsTest {
    private static final String KEY = "sk-test-123";
    private static KvlabServer server;
    private static int port;

    @BeforeAll
    static void start() {
        server = TestServers.paged(1, 0, KEY);
        port = server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Http.Answer post(String body) {
        return Curl.send(port, "POST", "/v1/completions", body, "Authorization: Bearer " + KEY);
    }

    private static void assertError(Http.Answer a, int status, String param, String messagePart) {
        assertEquals(status, a.status(), a.body());
        JsonObject e = a.json().getAsJsonObject("error");
        assertTrue(e.get("message").getAsString().contains(messagePart), e.toString());
        assertTrue(e.has("type") && e.has("code"), e.toString());
        if (param != null) {
            assertEquals(param, e.get("param").getAsString(), e.toString());
        }
    }

    @Test
    void badFieldsAre400NamingTheField() {
        assertError(post("{\"prompt\":\"hi\",\"temprature\":0}"), 400, "temprature", "Unknown field");
        assertError(post("{\"prompt\":\"hi\",\"max_tokens\":2,\"max_tokens\":3}"), 400, null, "duplicate");
        assertError(post("{\"prompt\":" + "[".repeat(5000) + "]".repeat(5000) + "}"), 400, null, "nests deeper");
        assertError(post("{\"prompt\":\"hi\",\"max_tokens\":\"5\"}"), 400, "max_tokens", "integer");
        assertError(post("{\"prompt\":\"hi\",\"max_tokens\":3.7}"), 400, "max_tokens", "integer");
        assertError(post("{\"prompt\":\"hi\",\"max_tokens\":4294967297}"), 400, "max_tokens", "must be in");
        assertError(post("{\"prompt\":\"hi\",\"ignore_eos\":\"yes\"}"), 400, "ignore_eos", "true or false");
        assertError(post("{\"prompt\":\"hi\",\"temperature\":-1}"), 400, "temperature", "[0, 2]");
        assertError(post("{\"prompt\":\"hi\",\"n\":0}"), 400, "n", "must be in");
        assertError(post("{\"prompt\":[1,2,50257]}"), 400, "prompt", "must be in");
        assertError(post("{\"prompt\":[]}"), 400, "prompt", "empty");
        assertError(post("{\"max_tokens\":3}"), 400, "prompt", "required");
        assertError(post("{\"prompt\":\"hi\",\"model\":\"gpt-4\"}"), 400, "model", "does not exist");
        assertError(post("{\"prompt\":\"hi\""), 400, null, "not valid JSON");
        assertError(post("[1,2]"), 400, null, "JSON object");
        assertError(post("{\"prompt\":\"hi\",\"stream_options\":{\"include_usage\":true}}"), 400, "stream_options",
                "only allowed");
    }

    @Test
    void promptLongerThanTheContextIs400() {
        StringBuilder ids = new StringBuilder("[");
        for (int i = 0; i < 1000; i++) {
            ids.append(i == 0 ? "" : ",").append(100 + i);
        }
        assertError(post("{\"prompt\":" + ids + "],\"max_tokens\":100}"), 400, "prompt", "maximum context length is 1024");
    }

    @Test
    void wrongOrMissingKeyIs401() {
        assertError(Curl.send(port, "POST", "/v1/completions", "{\"prompt\":\"hi\"}", "Authorization: Bearer nope"),
                401, null, "API key");
        assertError(Curl.send(port, "GET", "/v1/models", null), 401, null, "API key");
        assertEquals(200, Curl.send(port, "GET", "/v1/models", null, "Authorization: Bearer " + KEY).status());
        assertEquals(200, Curl.send(port, "GET", "/health", null).status());
    }

    @Test
    void oversizedBodyIs413() {
        String big = "{\"prompt\":\"" + "a".repeat(100 * 1024) + "\"}";
        assertError(post(big), 413, null, "larger than");
    }

    @Test
    void unknownRouteIs404AndWrongMethodIs405() {
        assertError(Curl.send(port, "POST", "/v1/chat/completions", "{}", "Authorization: Bearer " + KEY), 404, null,
                "No route");
        assertError(Curl.send(port, "GET", "/v1/completions", null, "Authorization: Bearer " + KEY), 405, null,
                "not allowed");
    }

    @Test
    void fullQueueIs503AndFreesOnCancel() throws Exception {
        // one seat, no waiting room: while one request streams, the next is refused
        HttpResponse<InputStream> first = Http.CLIENT.send(Http.request(port, "/v1/completions")
                .header("Authorization", "Bearer " + KEY).POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"prompt\":\"hi\",\"max_tokens\":1000,\"ignore_eos\":true,\"stream\":true}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        BufferedReader in = new BufferedReader(new InputStreamReader(first.body(), StandardCharsets.UTF_8));
        assertEquals(2, Http.events(in, 2).size());
        assertError(post("{\"prompt\":\"hi\",\"max_tokens\":2}"), 503, null, "overloaded");
        in.close();
        ServerCancelTest.awaitIdle(server);
        assertEquals(200, post("{\"prompt\":\"hi\",\"max_tokens\":2}").status());
    }
}
