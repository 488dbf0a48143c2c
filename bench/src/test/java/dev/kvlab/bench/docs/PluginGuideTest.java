package dev.kvlab.bench.docs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kvlab.model.FormulaWeights;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.TensorSource;
import dev.kvlab.model.torch.ComputeDType;
import dev.kvlab.model.torch.DeviceKind;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.model.torch.RuntimeOptions;
import dev.kvlab.model.torch.TeacherForcing;
import dev.kvlab.model.torch.TorchRuntime;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/WRITE_A_STRATEGY.md, followed as a researcher would, outside the repository: its {@code Pow2Cache} is compiled
 * from the page against kvlab's jars into a plugin jar (with the service file the page writes) in a temp dir, and
 * {@code kvlab} runs in its own JVM with {@code KVLAB_PLUGINS} naming that dir: {@code generate --cache pow2} gives the
 * cache-free oracle's tokens, {@code bench --strategies pow2} measures it, {@code check-strategy pow2} passes every
 * check. A copy with the {@code canEverHold} override removed (the guide's old bug) fails check-strategy naming
 * the rule.
 */
class PluginGuideTest {
    private static final Pattern SERVICE = Pattern.compile(
            "echo '([\\w.$]+)' > classes/META-INF/services/dev\\.kvlab\\.cache\\.StrategyPlugin");
    private static final Pattern CAN_EVER_HOLD = Pattern.compile(
            "\\n    /\\*\\*[^\\n]*\\*/\\n    @Override\\n    public boolean canEverHold\\(int numTokens\\) \\{\\n.*?\\n    }\\n",
            Pattern.DOTALL);

    @TempDir
    static Path dir;
    private static String source;

    @BeforeAll
    static void buildThePluginJars() throws IOException {
        List<String> classes = DocExamples.classes("WRITE_A_STRATEGY.md");
        assertEquals(1, classes.size(), "the guide has one strategy class");
        source = classes.get(0);
        Matcher m = SERVICE.matcher(Files.readString(DocExamples.DOCS.resolve("WRITE_A_STRATEGY.md")));
        assertTrue(m.find(), "the guide writes the service file");
        plugin(source, m.group(1), dir.resolve("good"));
        Matcher hold = CAN_EVER_HOLD.matcher(source);
        assertTrue(hold.find(), "the guide's class overrides canEverHold");
        plugin(hold.replaceFirst("\n"), m.group(1), dir.resolve("broken"));
    }

    @Test
    void generateWithThePluginGivesTheOraclesTokens() {
        Result r = kvlab(dir.resolve("good"), "generate", "--cache", "pow2", "--model", "tiny-random", "--device",
                "cpu", "--threads", "1", "--prompt-ids", "464,2068,7586", "--max-new-tokens", "12", "--ignore-eos",
                "--json");
        assertEquals(0, r.code(), r.out());
        JsonObject o = JsonParser.parseString(r.out().lines().filter(l -> l.startsWith("{")).findFirst()
                .orElseThrow()).getAsJsonObject();
        int[] got = new int[o.getAsJsonArray("generated_ids").size()];
        for (int i = 0; i < got.length; i++) {
            got[i] = o.getAsJsonArray("generated_ids").get(i).getAsInt();
        }
        assertArrayEquals(oracle(new int[] {464, 2068, 7586}, 12), got, r.out());
    }

    @Test
    void benchMeasuresThePlugin() throws IOException {
        Path out = dir.resolve("bench");
        Result r = kvlab(dir.resolve("good"), "bench", "--strategies", "contiguous,pow2", "--model", "tiny-random",
                "--device", "cpu", "--threads", "1", "--requests", "4", "--prompt-tokens", "8", "--output-tokens", "4",
                "--quiet", "--out", out.toString());
        assertEquals(0, r.code(), r.out());
        List<JsonObject> pow2 = Files.readAllLines(out.resolve("runs.jsonl")).stream()
                .map(l -> JsonParser.parseString(l).getAsJsonObject())
                .filter(o -> o.get("strategy").getAsString().equals("pow2")).toList();
        assertEquals(1, pow2.size());
        assertEquals(4, pow2.get(0).get("completed").getAsInt());
        assertTrue(pow2.get(0).get("kv_peak_reserved_bytes").getAsLong() > 0);
    }

    @Test
    void checkStrategyPassesTheGuidesClassAndNamesTheRuleTheBrokenCopyBreaks() {
        Result good = kvlab(dir.resolve("good"), "check-strategy", "pow2");
        assertEquals(0, good.code(), good.out());
        assertTrue(good.out().contains("pow2: 4 of 4 checks passed"), good.out());
        Result broken = kvlab(dir.resolve("broken"), "check-strategy", "pow2", "--skip-model");
        assertEquals(1, broken.code(), broken.out());
        assertTrue(broken.out().contains("FAIL  canEverHold agrees with allocate"), broken.out());
        assertTrue(broken.out().contains("rule broken: canEverHold agrees with allocate"), broken.out());
        assertTrue(broken.out().contains("canEverHold(39) = true but a lone sequence met NoRoom"), broken.out());
        assertTrue(broken.out().contains("PASS  random workloads"), broken.out());
    }

    @Test
    void anUnknownStrategyIsBadInput() {
        Result r = kvlab(dir.resolve("good"), "check-strategy", "pow3", "--skip-model");
        assertEquals(2, r.code(), r.out());
        assertTrue(r.out().contains("unknown cache strategy 'pow3'; known: none, contiguous, paged, ring"), r.out());
        assertTrue(r.out().contains("pow2"), "the plugin is listed: " + r.out());
    }

    /** Compiles {@code src} and packs it with its service file into {@code home/plugins/pow2.jar}. */
    private static void plugin(String src, String serviceClass, Path home) throws IOException {
        Path classes = DocExamples.compile(List.of(src), home);
        Files.createDirectories(home.resolve("plugins"));
        try (OutputStream f = Files.newOutputStream(home.resolve("plugins/pow2.jar"));
             JarOutputStream jar = new JarOutputStream(f);
             Stream<Path> files = Files.walk(classes)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                jar.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
                jar.write(Files.readAllBytes(p));
                jar.closeEntry();
            }
            jar.putNextEntry(new JarEntry("META-INF/services/dev.kvlab.cache.StrategyPlugin"));
            jar.write((serviceClass + "\n").getBytes(StandardCharsets.UTF_8));
            jar.closeEntry();
        }
    }

    record Result(int code, String out) {
    }

    /** {@code kvlab ARGS} in a JVM of its own, with {@code home/plugins} as KVLAB_PLUGINS; stdout and stderr. */
    private static Result kvlab(Path home, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
                "-Dorg.bytedeco.javacpp.cachedir=" + System.getProperty("org.bytedeco.javacpp.cachedir",
                        Path.of(System.getProperty("user.home"), ".javacpp", "cache").toString()),
                "-cp", System.getProperty("java.class.path"), "dev.kvlab.bench.KvlabMain"));
        cmd.addAll(Arrays.asList(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("KVLAB_PLUGINS", home.resolve("plugins").toString());
            pb.environment().remove("OPENBLAS_CORETYPE");
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Greedy ids by the cache-free oracle (teacher-forced full recompute) on tiny-random, EOS never chosen. */
    private static int[] oracle(int[] prompt, int n) {
        TorchRuntime.init(new RuntimeOptions(DeviceKind.CPU, 1, ComputeDType.FLOAT32));
        try (TensorSource src = FormulaWeights.of(Gpt2Config.preset("tiny"), 0);
             Gpt2Model model = new Gpt2Model(src, TorchRuntime.init(new RuntimeOptions(DeviceKind.CPU, 1,
                     ComputeDType.FLOAT32)), ComputeDType.FLOAT32)) {
            int[] seq = Arrays.copyOf(prompt, prompt.length + n);
            for (int i = 0; i < n; i++) {
                float[][] rows = TeacherForcing.causal(model, Arrays.copyOf(seq, prompt.length + i));
                seq[prompt.length + i] = dev.kvlab.runtime.check.StrategyDriver.argmax(rows[prompt.length + i - 1],
                        model.config().eosTokenId());
            }
            return Arrays.copyOfRange(seq, prompt.length, seq.length);
        }
    }
}
