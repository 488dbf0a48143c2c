package dev.kvlab.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code kvlab serve} as a process: SIGTERM while a request streams lets it finish within the grace period (its stream
 * ends with its last token and [DONE]), then the process exits by itself; a bad flag exits 2 with one line.
 */
class ServeProcessTest {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/v1");

    private static ProcessBuilder serve(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
                "--add-modules", "jdk.incubator.vector",   // as ./kvlab starts it: the linear kernels need the module
                ServeMain.class.getName(), "serve", "--model", "tiny-random", "--threads", "1", "--device", "cpu"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true);
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void sigtermFinishesTheRunningRequestThenExits() throws Exception {
        Process p = serve("--port", "0", "--cache", "paged", "--shutdown-grace", "120").start();
        try {
            BufferedReader log = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            int port = -1;
            String line;
            StringBuilder seen = new StringBuilder();
            while (port < 0 && (line = log.readLine()) != null) {
                seen.append(line).append('\n');
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
            }
            assertTrue(port > 0, "no 'listening' line: " + seen);
            HttpResponse<InputStream> r = Http.open(port,
                    "{\"prompt\":\"hello\",\"max_tokens\":30,\"ignore_eos\":true,\"temperature\":0,\"stream\":true}");
            BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
            assertEquals(1, Http.events(in, 1).size());
            p.toHandle().destroy();   // SIGTERM (Process.destroy would also close our end of its output)
            List<String> rest = Http.events(in, Integer.MAX_VALUE);
            assertEquals("[DONE]", rest.get(rest.size() - 1));
            assertEquals(30, rest.size(), "29 more tokens, the last with finish_reason length, then [DONE]");
            assertTrue(rest.get(rest.size() - 2).contains("\"finish_reason\":\"length\""), rest.get(rest.size() - 2));
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the server did not exit after SIGTERM");
            String tail = log.lines().collect(java.util.stream.Collectors.joining("\n"));
            assertTrue(tail.contains("shutting down"), tail);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void badFlagIsOneLineAndExit2() throws Exception {
        Process p = serve("--port", "70000").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("--port must be in [0, 65535]"), out);
        assertTrue(!out.contains("\tat "), out);
    }
}
