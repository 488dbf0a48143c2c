package dev.kvlab.server;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A loopback client for the tests: JSON posts and server-sent-event streams, via the JDK's HttpClient. */
final class Http {
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    record Answer(int status, String body) {
        JsonObject json() {
            return JsonParser.parseString(body).getAsJsonObject();
        }
    }

    private Http() {
    }

    static HttpRequest.Builder request(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(120));
    }

    static Answer post(int port, String body) {
        return send(request(port, "/v1/completions").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    static Answer get(int port, String path) {
        return send(request(port, path).GET().build());
    }

    static Answer send(HttpRequest r) {
        try {
            HttpResponse<String> a = CLIENT.send(r, HttpResponse.BodyHandlers.ofString());
            return new Answer(a.statusCode(), a.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Opens a streaming completion; the caller reads events with {@link #events} and closes the stream. */
    static HttpResponse<InputStream> open(int port, String body) {
        try {
            return CLIENT.send(request(port, "/v1/completions").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Reads up to {@code max} events ("data: X" payloads, "[DONE]" included) from an open stream. */
    static List<String> events(BufferedReader in, int max) throws IOException {
        List<String> out = new ArrayList<>();
        String line;
        while (out.size() < max && (line = in.readLine()) != null) {
            if (line.startsWith("data: ")) {
                out.add(line.substring(6));
            }
        }
        return out;
    }

    /** Every event of a streaming completion. */
    static List<String> stream(int port, String body) {
        HttpResponse<InputStream> r = open(port, body);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            if (r.statusCode() != 200) {
                throw new IllegalStateException("status " + r.statusCode());
            }
            return events(in, Integer.MAX_VALUE);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The concatenated text of choice {@code index} in a list of stream events. */
    static String streamedText(List<String> events, int index) {
        StringBuilder b = new StringBuilder();
        for (String e : events) {
            if (e.equals("[DONE]")) {
                continue;
            }
            for (var c : JsonParser.parseString(e).getAsJsonObject().getAsJsonArray("choices")) {
                JsonObject choice = c.getAsJsonObject();
                if (choice.get("index").getAsInt() == index) {
                    b.append(choice.get("text").getAsString());
                }
            }
        }
        return b.toString();
    }
}
