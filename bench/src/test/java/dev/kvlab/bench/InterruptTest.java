package dev.kvlab.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 item 2, the kill test: a {@code kvlab bench} and a {@code kvlab generate --prompts-file} run as child JVMs
 * (this test's classpath, the launcher's JVM flags), interrupted with SIGINT or SIGTERM midway; every result that was
 * reported finished is on disk (bench) or stdout (generate), and every line parses.
 */
class InterruptTest {
    @TempDir
    Path dir;

    /**
     * A process started from a non-interactive shell's background job inherits SIGINT ignored, and a JVM keeps an
     * ignored SIGINT ignored: {@code env --default-signal=INT} (coreutils 8.31+) restores it, when there.
     */
    static final List<String> RESET_SIGINT = resetSigint();

    private static List<String> resetSigint() {
        try {
            Process p = new ProcessBuilder("env", "--default-signal=INT", "true").start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? List.of("env", "--default-signal=INT")
                    : List.of();
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** A child {@code kvlab} JVM; stdout and stderr lines are collected as they come. */
    static final class Child {
        final Process process;
        final List<String> out = Collections.synchronizedList(new ArrayList<>());
        final List<String> err = Collections.synchronizedList(new ArrayList<>());
        private final Thread[] readers = new Thread[2];

        Child(String... args) throws IOException {
            List<String> cmd = new ArrayList<>(RESET_SIGINT);
            cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "--add-modules", "jdk.incubator.vector"));
            String cache = System.getProperty("org.bytedeco.javacpp.cachedir");
            if (cache != null) {
                cmd.add("-Dorg.bytedeco.javacpp.cachedir=" + cache);
            }
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), KvlabMain.class.getName()));
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().remove("OPENBLAS_CORETYPE");
            pb.environment().put("OPENBLAS_NUM_THREADS", "1");
            process = pb.start();
            readers[0] = reader(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), out);
            readers[1] = reader(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)), err);
        }

        private static Thread reader(BufferedReader r, List<String> into) {
            Thread t = new Thread(() -> {
                try (r) {
                    for (String line; (line = r.readLine()) != null; ) {
                        into.add(line);
                    }
                } catch (IOException e) {
                    into.add("<read failed: " + e + ">");
                }
            });
            t.setDaemon(true);
            t.start();
            return t;
        }

        /** Waits until some line of {@code lines} matches, at most {@code seconds}. */
        boolean await(List<String> lines, Predicate<String> p, int seconds) throws InterruptedException {
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < end && process.isAlive()) {
                synchronized (lines) {
                    if (lines.stream().anyMatch(p)) {
                        return true;
                    }
                }
                Thread.sleep(50);
            }
            synchronized (lines) {
                return lines.stream().anyMatch(p);
            }
        }

        void signal(String name) throws IOException, InterruptedException {
            new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
        }

        int finish() throws InterruptedException {
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("child did not exit after the signal; stderr: " + err);
            }
            for (Thread t : readers) {
                t.join(10_000);
            }
            return process.exitValue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM"})
    void interruptedBenchKeepsEveryFinishedRun(String signal) throws Exception {
        Path out = dir.resolve("out");
        Child c = new Child("bench", "--model", "tiny-random", "--threads", "1", "--requests", "6",
                "--prompt-tokens", "8", "--output-tokens", "48", "--strategies", "contiguous,paged,ring,contiguous:max",
                "--batch-limits", "1,2,3,4", "--out", out.toString());
        assertTrue(c.await(c.err, l -> l.startsWith("[2/16]"), 300), "two runs finished; stderr: " + c.err);
        c.signal(signal);
        int code = c.finish();
        assertTrue(code != 0, "killed, not finished: exit " + code + ", stderr: " + c.err);
        List<String> finished = c.err.stream().filter(l -> l.matches("\\[\\d+/16] .*")).toList();
        assertTrue(finished.size() >= 2 && finished.size() < 16, "interrupted midway: " + finished);
        List<JsonObject> runs = jsonLines(out.resolve("runs.jsonl"));
        // a run is on disk before its progress line: the signal may fall between the two
        assertTrue(runs.size() == finished.size() || runs.size() == finished.size() + 1,
                "every run reported finished is on disk: " + runs.size() + " rows; " + c.err);
        for (int i = 0; i < runs.size(); i++) {
            String label = runs.get(i).get("label").getAsString();
            if (i < finished.size()) {
                assertTrue(finished.get(i).contains("strategies: " + label + ":"), finished.get(i) + " vs " + label);
            }
            assertEquals(6, runs.get(i).get("completed").getAsInt());
        }
        assertEquals(6 * runs.size(), jsonLines(out.resolve("requests.jsonl")).size());
        assertEquals(runs.size() + 1, Files.readAllLines(out.resolve("runs.csv")).size(), "header + one row per run");
        assertTrue(Files.readString(out.resolve("summary.md")).contains(runs.get(0).get("label").getAsString()));
        assertTrue(Files.isDirectory(out.resolve("charts")));
        assertTrue(c.err.stream().anyMatch(l -> l.startsWith("kvlab: interrupted: " + runs.size() + " finished run")),
                c.err.toString());
        JsonParser.parseString(Files.readString(out.resolve("meta.json"))).getAsJsonObject();
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM"})
    void interruptedPromptsFileKeepsEveryFinishedResult(String signal) throws Exception {
        Path prompts = dir.resolve("p.jsonl");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            b.append("{\"id\": \"r").append(i).append("\", \"prompt_ids\": [").append(1 + i % 50).append(", 2, 3], ")
                    .append("\"max_new_tokens\": 24, \"ignore_eos\": true}\n");
        }
        Files.writeString(prompts, b);
        Child c = new Child("generate", "--model", "tiny-random", "--threads", "1", "--prompts-file", prompts.toString(),
                "--max-seqs", "2", "--json");
        assertTrue(c.await(c.out, l -> c.out.size() >= 5, 300), "five results printed; stderr: " + c.err);
        c.signal(signal);
        int code = c.finish();
        assertTrue(code != 0, "killed, not finished: exit " + code);
        List<String> lines = c.out.stream().filter(l -> !l.isBlank()).toList();
        assertTrue(lines.size() >= 5 && lines.size() < 300, "interrupted midway: " + lines.size());
        for (String l : lines) {
            JsonObject o = JsonParser.parseString(l).getAsJsonObject();
            assertTrue(o.get("id").getAsString().startsWith("r"), l);
            assertEquals(24, o.getAsJsonArray("generated_ids").size(), l);
            assertEquals("length", o.get("finish_reason").getAsString());
        }
    }

    /** Issue 9 item 9: {@code kvlab generate ... > /dev/full} exited 0 with nothing written. */
    @org.junit.jupiter.api.Test
    void outputToAFullDiskExits1() throws Exception {
        java.io.File full = new java.io.File("/dev/full");
        org.junit.jupiter.api.Assumptions.assumeTrue(full.exists(), "needs /dev/full");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "--add-modules", "jdk.incubator.vector"));
        String cache = System.getProperty("org.bytedeco.javacpp.cachedir");
        if (cache != null) {
            cmd.add("-Dorg.bytedeco.javacpp.cachedir=" + cache);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), KvlabMain.class.getName(), "generate",
                "--model", "tiny-random", "--threads", "1", "--prompt", "Hello world", "--max-new-tokens", "3"));
        Process p = new ProcessBuilder(cmd).redirectOutput(full).redirectError(ProcessBuilder.Redirect.PIPE).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), err);
        assertTrue(err.contains("kvlab: error: could not write the output"), err);
    }

    static List<JsonObject> jsonLines(Path f) throws IOException {
        return Files.readAllLines(f).stream().filter(l -> !l.isBlank())
                .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    }
}
