package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kvlab.model.Checkpoints;
import dev.kvlab.model.PatchedSource;
import dev.kvlab.model.TensorSource;
import dev.kvlab.runtime.CommandLineTest.Outcome;
import dev.kvlab.runtime.cli.KvlabCli;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 item 4 as reproduced: a NaN or Inf in a checkpoint is refused at load naming the tensor; weights that are
 * finite but overflow in the forward pass fail the request with a reason instead of emitting token 0; a tiny
 * temperature samples (the argmax), never NaN.
 */
class FiniteNumericsTest {
    static final String PROMPT = "464,2068,7586,21831,18045,625,262,16931";

    @TempDir
    Path dir;

    /** tiny-random with element {@code index} of {@code tensor} replaced by {@code value}, written as a checkpoint. */
    private Path patched(String tensor, IntFunction<Float> valueAt, String name) {
        Path out = dir.resolve(name);
        try (TensorSource src = ModelRef.openWeights("tiny-random", 0)) {
            Checkpoints.write(new PatchedSource(src, tensor, (i, old) -> {
                Float v = valueAt.apply(i);
                return v == null ? old : v;
            }), out);
        }
        return out;
    }

    @Test
    void nonFiniteWeightsAreRefusedAtLoadNamingTheTensor() {
        Object[][] cases = {{"ln_f.weight", Float.NaN}, {"wte.weight", Float.NaN}, {"wpe.weight", Float.NaN},
            {"h.1.attn.c_attn.weight", Float.POSITIVE_INFINITY}};
        for (Object[] c : cases) {
            String tensor = (String) c[0];
            float v = (Float) c[1];
            Path model = patched(tensor, i -> i == 3 ? v : null, tensor.replace('.', '_'));
            Outcome o = CommandLineTest.run("generate", "--model", model.toString(), "--threads", "1", "--prompt-ids",
                    PROMPT, "--max-new-tokens", "3");
            assertEquals(KvlabCli.BAD_INPUT, o.code(), o.err());
            assertTrue(o.err().contains("weight " + tensor + " has 1 non-finite value"), o.err());
            assertEquals(1, o.err().strip().lines().count(), o.err());
            assertEquals("", o.out());
        }
    }

    @Test
    void logitsThatOverflowFailTheRequestWithAReason() {
        Path model = patched("ln_f.weight", i -> 3e38f, "huge");
        for (String temperature : new String[] {"0", "0.8"}) {   // greedy, and the device sampler on a NaN row
            Outcome o = CommandLineTest.run("generate", "--model", model.toString(), "--threads", "1",
                    "--prompt-ids", PROMPT, "--max-new-tokens", "3", "--temperature", temperature, "--top-k", "5",
                    "--top-p", "0.9", "--json");
            assertEquals(KvlabCli.BAD_INPUT, o.code(), o.err());
            JsonObject j = JsonParser.parseString(o.out().strip()).getAsJsonObject();
            assertEquals("error", j.get("finish_reason").getAsString());
            assertEquals(0, j.getAsJsonArray("generated_ids").size(), "no garbage token emitted");
            assertTrue(j.get("detail").getAsString().contains("NaN or infinite"), j.toString());
            assertTrue(o.err().contains("request 0 error: the model's logits were NaN or infinite"), o.err());
        }
    }

    @Test
    void aTinyTemperatureSamplesTheArgmax() {
        Outcome greedy = CommandLineTest.generate("--prompt-ids", PROMPT, "--max-new-tokens", "5", "--ignore-eos",
                "--json");
        Outcome tiny = CommandLineTest.generate("--prompt-ids", PROMPT, "--max-new-tokens", "5", "--ignore-eos",
                "--json", "--temperature", "1e-320", "--seed", "3");
        assertEquals(0, tiny.code(), tiny.err());
        assertEquals(ids(greedy), ids(tiny));
        assertFalse(tiny.err().contains("NaN"), tiny.err());
    }

    private static String ids(Outcome o) {
        return JsonParser.parseString(o.out().strip()).getAsJsonObject().get("generated_ids").toString();
    }
}
