package dev.kvlab.model.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The strict policy: what issue 9 found coerced or accepted is refused with one line naming where and the key. */
class StrictJsonTest {
    private static String error(String json, java.util.function.Consumer<JsonFields> read) {
        JsonInputException e = assertThrows(JsonInputException.class,
                () -> read.accept(StrictJson.parseObject(json, "f.jsonl line 3")));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertFalse(e.getMessage().contains("LENIENT"), e.getMessage());
        assertTrue(e.getMessage().startsWith("f.jsonl line 3: "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void integersAreExactAndInRange() {
        assertTrue(error("{\"n\": 4294967297}", o -> o.intIn("n", 1, Integer.MAX_VALUE))
                .contains("\"n\" must be an integer in [1, 2147483647], got 4294967297"));
        assertTrue(error("{\"n\": 3.7}", o -> o.intIn("n", 0, 9)).contains("got 3.7"));
        assertTrue(error("{\"n\": 2.5}", o -> o.longIn("n", 0, 9)).contains("\"n\""));
        assertTrue(error("{\"n\": \"3\"}", o -> o.intIn("n", 0, 9)).contains("got \"3\""));
        assertTrue(error("{\"n\": null}", o -> o.intIn("n", 0, 9)).contains("got null"));
        assertTrue(error("{\"n\": 1e400}", o -> o.intIn("n", 0, 9)).contains("\"n\""));
        assertEquals(7, StrictJson.parseObject("{\"n\": 7}", "x").intIn("n", 0, 9));
        assertEquals(4, StrictJson.parseObject("{}", "x").intIn("n", 0, 9, 4));
        assertEquals(Long.MIN_VALUE, StrictJson.parseObject("{\"n\": -9223372036854775808}", "x")
                .longIn("n", Long.MIN_VALUE, Long.MAX_VALUE));
    }

    @Test
    void arraysAreFlatArraysOfIntegersInRange() {
        assertTrue(error("{\"ids\": [4294967301]}", o -> o.intArray("ids", 0, Integer.MAX_VALUE))
                .contains("\"ids[0]\" must be an integer"));
        assertTrue(error("{\"ids\": [[1],[2]]}", o -> o.intArray("ids", 0, 9)).contains("got an array"));
        assertTrue(error("{\"ids\": 5}", o -> o.intArray("ids", 0, 9)).contains("must be an array"));
        assertArrayEquals(new int[] {1, 2}, StrictJson.parseObject("{\"ids\": [1, 2]}", "x").intArray("ids", 0, 9));
    }

    @Test
    void booleansAreBooleans() {
        assertTrue(error("{\"b\": \"yes\"}", o -> o.bool("b")).contains("\"b\" must be true or false, got \"yes\""));
        assertTrue(error("{\"b\": 1}", o -> o.bool("b")).contains("got 1"));
        assertTrue(StrictJson.parseObject("{\"b\": true}", "x").bool("b"));
    }

    @Test
    void numbersAreFiniteAndInRange() {
        assertTrue(error("{\"t\": -1}", o -> o.doubleIn("t", 0, 100)).contains("\"t\" must be a finite number in "
                + "[0, 100], got -1"));
        assertTrue(error("{\"t\": 1e999}", o -> o.doubleIn("t", 0, 100)).contains("\"t\""));
        assertEquals(0.5, StrictJson.parseObject("{\"t\": 0.5}", "x").doubleIn("t", 0, 1));
    }

    @Test
    void duplicateUnknownAndMissingKeysAreErrors() {
        assertTrue(error("{\"a\": 1, \"a\": 2}", o -> { }).contains("duplicate key \"a\""));
        assertTrue(error("{\"o\": {\"a\": 1, \"a\": 2}}", o -> { }).contains("duplicate key \"o.a\""));
        assertTrue(error("{\"temprature\": 1}", o -> o.allowOnly("temperature", "top_k"))
                .contains("unknown key \"temprature\"; known keys: temperature, top_k"));
        assertTrue(error("{}", o -> o.string("id")).contains("missing key \"id\""));
        assertTrue(error("{\"o\": {\"x\": 1}}", o -> o.object("o").allowOnly("y")).contains("unknown key \"o.x\""));
    }

    @Test
    void onlyStrictJsonParsesAndErrorsAreOneLine() {
        for (String bad : new String[] {"{'a': 1}", "{a: 1}", "{\"a\": NaN}", "{\"a\": 1,}", "{\"a\": 1} x",
            "// c\n{}", "{\"a\": ", "", "[1]", "null", "{\"a\": 01}", "[".repeat(5000)}) {
            String m = error(bad, o -> { });
            assertFalse(m.contains("JsonNull") || m.contains("JsonObject") || m.contains("path $"), m);
        }
        assertTrue(error("{'a': 1}", o -> { }).contains("malformed JSON (strict JSON only"));
        assertTrue(error("{\"a\": 1} x", o -> { }).contains("at column"));
        assertTrue(error("[1]", o -> { }).contains("expected a JSON object, got an array"));
    }
}
