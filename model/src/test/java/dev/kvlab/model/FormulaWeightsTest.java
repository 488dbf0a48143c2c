package dev.kvlab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The formula generator against the fixtures' per-tensor sha256 (computed by the fixture maker). */
class FormulaWeightsTest {

    @Test
    void tinyMatchesFixtureSha256BitForBit() throws Exception {
        assertMatchesFixture("tiny", Gpt2Config.preset("tiny"));
    }

    @Test
    void smallMatchesFixtureSha256BitForBit() throws Exception {
        assertMatchesFixture("small", Gpt2Config.preset("gpt2"));
    }

    @Test
    void bytesAreLittleEndianReadOnlyAndRepeatable() {
        TensorSource w = FormulaWeights.of(Gpt2Config.preset("tiny"), 0);
        ByteBuffer a = w.bytes("ln_f.weight");
        assertTrue(a.isReadOnly());
        assertEquals(ByteOrder.LITTLE_ENDIAN, a.order());
        assertEquals(0, a.position());
        assertEquals(64 * 4, a.remaining());
        assertEquals(a, w.bytes("ln_f.weight"));
        float first = a.getFloat(0);
        assertTrue(Math.abs(first - 1.0f) <= 0.1f * Math.sqrt(3.0) + 1e-6, "ln weight centred on 1: " + first);
    }

    @Test
    void seedChangesEveryTensor() {
        Gpt2Config c = Gpt2Config.preset("tiny");
        TensorSource s0 = FormulaWeights.of(c, 0);
        TensorSource s1 = FormulaWeights.of(c, 1);
        for (String name : s0.names()) {
            assertNotEquals(s0.bytes(name), s1.bytes(name), name);
        }
    }

    @Test
    void valuesStayWithinCenterPlusMinusStdSqrt3() {
        TensorSource w = FormulaWeights.of(Gpt2Config.preset("tiny"), 0);
        float[] wte = DType.F32.toFloats(w.bytes("wte.weight"));
        double bound = 0.02 * Math.sqrt(3.0);
        double sum = 0;
        for (float v : wte) {
            assertTrue(Math.abs(v) <= bound, "wte value " + v);
            sum += v * (double) v;
        }
        assertEquals(0.02, Math.sqrt(sum / wte.length), 0.0005, "empirical std of wte");
    }

    @Test
    void gpt2XlIsLazyAndNamesFollowTheTable() {
        TensorSource xl = FormulaWeights.of(Gpt2Config.preset("gpt2-xl"), 0);
        assertEquals(2 + 48 * 12 + 2, xl.names().size());
        assertEquals(1600 * 4, xl.bytes("h.47.mlp.c_proj.bias").remaining());   // no other tensor generated
        assertThrows(IllegalArgumentException.class, () -> xl.bytes("lm_head.weight"));
    }

    @Test
    void fnvMatchesPublishedTestVectors() {
        assertEquals(0xCBF29CE484222325L, FormulaWeights.fnv1a(""));
        assertEquals(0xAF63DC4C8601EC8CL, FormulaWeights.fnv1a("a"));
        assertEquals(0x85944171F73967E8L, FormulaWeights.fnv1a("foobar"));
    }

    private static void assertMatchesFixture(String preset, Gpt2Config c) throws Exception {
        Map<String, String> want = HfFixtures.tensorSha256(preset);
        TensorSource w = FormulaWeights.of(c, 0);
        assertEquals(want.keySet().stream().toList(), w.names(), "names and order");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (String name : w.names()) {
            sha.update(w.bytes(name));
            assertEquals(want.get(name), HexFormat.of().formatHex(sha.digest()), name);
        }
    }
}
