package dev.kvlab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Gpt2ConfigTest {
    @TempDir
    Path tmp;

    @Test
    void fixtureConfigsReadAsPresets() {
        assertEquals(Gpt2Config.preset("tiny"), Gpt2Config.read(HfFixtures.dir("tiny").resolve("config.json")));
        assertEquals(Gpt2Config.preset("gpt2"), Gpt2Config.read(HfFixtures.dir("small").resolve("config.json")));
    }

    @Test
    void presetsHaveTheRequestedShapes() {
        assertEquals(List.of("tiny", "distilgpt2", "gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"),
                Gpt2Config.presetNames());
        Gpt2Config xl = Gpt2Config.preset("gpt2-xl");
        assertEquals(48, xl.nLayer());
        assertEquals(1600, xl.nEmbd());
        assertEquals(25, xl.nHead());
        assertEquals(64, xl.headDim());
        assertEquals(6400, xl.nInner());
        assertEquals(6, Gpt2Config.preset("distilgpt2").nLayer());
    }

    @Test
    void unknownPresetListsTheKnownNames() {
        var e = assertThrows(IllegalArgumentException.class, () -> Gpt2Config.preset("gpt3"));
        assertTrue(e.getMessage().contains("gpt3") && e.getMessage().contains("gpt2-medium"), e.getMessage());
    }

    @Test
    void toJsonRoundTripsEveryPresetAndACustomInner() throws Exception {
        for (String name : Gpt2Config.presetNames()) {
            assertEquals(Gpt2Config.preset(name), roundTrip(Gpt2Config.preset(name)), name);
        }
        Gpt2Config custom = new Gpt2Config(300, 32, 16, 1, 4, 40, 1e-6, 7);
        assertEquals(custom, roundTrip(custom));
    }

    @Test
    void nullNInnerMeansFourTimesEmbd() throws Exception {
        Gpt2Config c = read("{\"vocab_size\":10,\"n_positions\":8,\"n_embd\":12,\"n_layer\":1,\"n_head\":3,"
                + "\"n_inner\":null,\"eos_token_id\":9}");
        assertEquals(48, c.nInner());
        assertEquals(1e-5, c.layerNormEpsilon());
    }

    @Test
    void unsupportedActivationNamesFileAndField() throws Exception {
        var e = assertThrows(ModelLoadException.class, () -> read(minimal().replace("}", ",\"activation_function\":\"relu\"}")));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("activation_function"),
                e.getMessage());
        read(minimal().replace("}", ",\"activation_function\":\"gelu_pytorch_tanh\"}"));
    }

    @Test
    void missingRequiredFieldIsNamed() {
        var e = assertThrows(ModelLoadException.class, () -> read(minimal().replace("\"n_embd\":8,", "")));
        assertTrue(e.getMessage().contains("n_embd"), e.getMessage());
    }

    @Test
    void invalidValuesAndFilesAreModelLoadExceptions() {
        assertThrows(ModelLoadException.class, () -> read(minimal().replace("\"n_head\":2", "\"n_head\":3")));
        assertThrows(ModelLoadException.class, () -> read(minimal().replace("\"n_head\":2", "\"n_head\":2.5")));
        assertThrows(ModelLoadException.class, () -> read(minimal().replace("\"n_head\":2", "\"n_head\":\"2\"")));
        assertThrows(ModelLoadException.class, () -> read(minimal().replace("}", ",\"tie_word_embeddings\":false}")));
        assertThrows(ModelLoadException.class, () -> read(minimal().replace("}", ",\"model_type\":\"llama\"}")));
        assertThrows(ModelLoadException.class, () -> read(minimal().replace("}", ",\"eos_token_id\":4294967297}")));
        assertThrows(ModelLoadException.class, () -> read("[1]"));
        assertThrows(ModelLoadException.class, () -> read("{\"vocab_size\":"));
        var e = assertThrows(ModelLoadException.class, () -> Gpt2Config.read(tmp.resolve("absent/config.json")));
        assertTrue(e.getMessage().contains("absent"), e.getMessage());
    }

    private static String minimal() {
        return "{\"vocab_size\":10,\"n_positions\":8,\"n_embd\":8,\"n_layer\":1,\"n_head\":2,\"eos_token_id\":9}";
    }

    private Gpt2Config roundTrip(Gpt2Config c) throws Exception {
        return read(c.toJson());
    }

    private Gpt2Config read(String json) throws Exception {
        Path f = tmp.resolve("config.json");
        Files.writeString(f, json);
        return Gpt2Config.read(f);
    }
}
