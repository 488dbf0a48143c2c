package dev.kvlab.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.StreamSupport;

/**
 * The Hugging Face transformers reference outputs copied into test resources ({@code hf-gpt2/tiny},
 * {@code hf-gpt2/small}; provenance in {@code hf-gpt2/README.md}).
 */
public final class HfFixtures {
    /** Tolerance on logits that a correct float32 implementation meets (fixtures README). */
    public static final double LOGITS_TOLERANCE = 1e-4;

    private HfFixtures() {
    }

    /** One prompt of expected.json; {@code logitsFiles} maps step to file name. */
    public record Prompt(String name, int[] promptIds, int[] generatedIds, Map<Integer, String> logitsFiles) {
    }

    /** The fixture folder of {@code preset} ("tiny" or "small"). */
    public static Path dir(String preset) {
        URL url = HfFixtures.class.getResource("/hf-gpt2/" + preset + "/config.json");
        if (url == null) {
            throw new IllegalStateException("test resource hf-gpt2/" + preset + " missing");
        }
        try {
            if ("jar".equals(url.getProtocol())) {   // read from the model test-jar by another module
                FileSystem fs = jarFileSystem(url.toURI());
                return fs.getPath("/hf-gpt2/" + preset);
            }
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static synchronized FileSystem jarFileSystem(java.net.URI resource) throws IOException {
        java.net.URI jar = java.net.URI.create(resource.toString().substring(0, resource.toString().indexOf("!/")));
        try {
            return FileSystems.getFileSystem(jar);
        } catch (java.nio.file.FileSystemNotFoundException e) {
            return FileSystems.newFileSystem(jar, Map.of());
        }
    }

    /** The prompts of {@code preset}'s expected.json, in file order. */
    public static Map<String, Prompt> prompts(String preset) {
        JsonObject prompts = json(dir(preset).resolve("expected.json")).getAsJsonObject().getAsJsonObject("prompts");
        Map<String, Prompt> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : prompts.entrySet()) {
            JsonObject p = e.getValue().getAsJsonObject();
            Map<Integer, String> files = new LinkedHashMap<>();
            p.getAsJsonObject("logits_files").entrySet()
                    .forEach(f -> files.put(Integer.parseInt(f.getKey()), f.getValue().getAsString()));
            out.put(e.getKey(), new Prompt(e.getKey(), ints(p.get("prompt_ids")), ints(p.get("generated_ids")), files));
        }
        return out;
    }

    /** Tensor name to sha256 hex, from tensor-sha256.json, in file order. */
    public static Map<String, String> tensorSha256(String preset) {
        Map<String, String> out = new LinkedHashMap<>();
        json(dir(preset).resolve("tensor-sha256.json")).getAsJsonObject().entrySet()
                .forEach(e -> out.put(e.getKey(), e.getValue().getAsString()));
        return out;
    }

    /** A logits file: [vocab] little-endian float32. */
    public static float[] logits(String preset, String file) {
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(dir(preset).resolve(file))).order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[b.remaining() / 4];
            b.asFloatBuffer().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tokens whose last position's logits are step {@code step}'s: prompt + generated[0, step). */
    public static int[] contextForStep(Prompt p, int step) {
        int[] ctx = Arrays.copyOf(p.promptIds(), p.promptIds().length + step);
        System.arraycopy(p.generatedIds(), 0, ctx, p.promptIds().length, step);
        return ctx;
    }

    private static int[] ints(JsonElement array) {
        return StreamSupport.stream(array.getAsJsonArray().spliterator(), false)
                .mapToInt(JsonElement::getAsInt).toArray();
    }

    private static JsonElement json(Path file) {
        try {
            return JsonParser.parseString(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
