package dev.kvlab.server;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Sends one request with curl, as a user would, when curl is installed; otherwise with the JDK's HttpClient (same
 * method, headers and body). Loopback only.
 */
final class Curl {
    static final boolean AVAILABLE = available();

    private Curl() {
    }

    /** @param body null for none; sent from a file so size is no problem */
    static Http.Answer send(int port, String method, String path, String body, String... headers) {
        return AVAILABLE ? curl(port, method, path, body, headers) : jdk(port, method, path, body, headers);
    }

    private static Http.Answer curl(int port, String method, String path, String body, String... headers) {
        try {
            Path data = Files.createTempFile("kvlab-curl", ".json");
            try {
                List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-S", "--max-time", "60", "-X", method,
                        "-o", "-", "-w", "\n%{http_code}"));
                for (String h : headers) {
                    cmd.add("-H");
                    cmd.add(h);
                }
                if (body != null) {
                    Files.writeString(data, body, StandardCharsets.UTF_8);
                    cmd.add("-H");
                    cmd.add("Content-Type: application/json");
                    cmd.add("--data-binary");
                    cmd.add("@" + data);
                }
                cmd.add("http://127.0.0.1:" + port + path);
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(90, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("curl did not finish");
                }
                int nl = out.lastIndexOf('\n');
                return new Http.Answer(Integer.parseInt(out.substring(nl + 1).trim()), out.substring(0, nl));
            } finally {
                Files.deleteIfExists(data);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Http.Answer jdk(int port, String method, String path, String body, String... headers) {
        HttpRequest.Builder b = Http.request(port, path).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        for (String h : headers) {
            int colon = h.indexOf(':');
            b.header(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return Http.send(b.build());
    }

    private static boolean available() {
        try {
            Process p = new ProcessBuilder("curl", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
