package dev.kvlab.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A client that hangs up cancels its request and frees its cache; close() is a graceful shutdown. */
class ServerCancelTest {
    /** Waits (bounded) until the server has no request in flight and its cache reserves nothing. */
    static void awaitIdle(KvlabServer server) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while ((server.inFlight() > 0 || server.reservedTokens() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, server.inFlight(), "requests still in flight");
        assertEquals(0, server.reservedTokens(), "cache slots still reserved");
        assertEquals(0, server.blocksUsed(), "cache blocks still used");
    }

    @Test
    void closeCancelsWhatOutlivesTheGrace() throws Exception {
        KvlabServer server = TestServers.paged(4, 4, null, 0);
        HttpResponse<InputStream> r = Http.open(server.port(),
                "{\"prompt\":\"hello\",\"max_tokens\":1000,\"ignore_eos\":true,\"stream\":true}");
        BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        assertEquals(1, Http.events(in, 1).size());
        server.close();
        var rest = Http.events(in, Integer.MAX_VALUE);
        assertEquals("[DONE]", rest.get(rest.size() - 1));
        assertTrue(rest.get(rest.size() - 2).contains("\"finish_reason\":\"abort\""), rest.get(rest.size() - 2));
        assertEquals(1, server.finishedCount("cancelled"));
        assertEquals(0, server.reservedTokens());
    }

    @Test
    void disconnectMidStreamCancelsAndFrees() throws Exception {
        try (KvlabServer server = TestServers.paged(4, 4, null)) {
            HttpResponse<InputStream> r = Http.open(server.port(),
                    "{\"prompt\":\"hello there\",\"max_tokens\":1000,\"ignore_eos\":true,\"stream\":true,\"n\":2}");
            BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
            assertEquals(5, Http.events(in, 5).size());
            assertTrue(server.reservedTokens() > 0);
            in.close();
            awaitIdle(server);
            assertEquals(2, server.finishedCount("cancelled"));
            assertEquals(0, server.finishedCount("length"));
        }
    }

    @Test
    void closeLetsRunningRequestsFinishWithinTheGrace() throws Exception {
        KvlabServer server = TestServers.paged(4, 4, null);
        HttpResponse<InputStream> r = Http.open(server.port(),
                "{\"prompt\":\"hello\",\"max_tokens\":40,\"ignore_eos\":true,\"stream\":true}");
        BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        assertEquals(1, Http.events(in, 1).size());
        server.close();   // grace 60 s: 40 tiny-model tokens finish well within it, even on a loaded machine
        var rest = Http.events(in, Integer.MAX_VALUE);
        assertEquals("[DONE]", rest.get(rest.size() - 1));
        assertEquals(40, rest.size(), "39 more tokens and [DONE]");
        assertEquals(1, server.finishedCount("length"));
        assertEquals(0, server.reservedTokens());
    }
}
