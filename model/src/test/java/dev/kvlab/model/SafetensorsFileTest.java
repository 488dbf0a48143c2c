package dev.kvlab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The generic safetensors reader/writer: round trip, and one clear error per kind of malformed file. */
class SafetensorsFileTest {
    @TempDir
    Path tmp;

    @Test
    void writeThenReadRoundTripsEveryDtypeShapeAndMetadata() throws Exception {
        List<TensorInfo> infos = List.of(new TensorInfo("a", DType.F32, new long[] {2, 3}),
                new TensorInfo("b.weight", DType.F16, new long[] {5}),
                new TensorInfo("scalar", DType.BF16, new long[] {}),
                new TensorInfo("empty", DType.F32, new long[] {0, 7}));
        Map<String, ByteBuffer> data = Map.of("a", counting(24), "b.weight", counting(10), "scalar", counting(2),
                "empty", counting(0));
        Path f = tmp.resolve("x.safetensors");
        SafetensorsWriter.write(f, infos, data::get, Map.of("format", "pt", "note", "ünïcode"));

        long headerLen = ByteBuffer.wrap(Files.readAllBytes(f), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8, "header padded to 8 bytes");
        assertEquals(8 + headerLen + 36, Files.size(f));
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertEquals(infos, st.tensors());
            assertEquals(Map.of("format", "pt", "note", "ünïcode"), st.metadata());
            for (TensorInfo t : infos) {
                ByteBuffer b = st.bytes(t.name());
                assertTrue(b.isReadOnly());
                assertEquals(ByteOrder.LITTLE_ENDIAN, b.order());
                assertEquals(data.get(t.name()), b, t.name());
            }
            assertThrows(IllegalArgumentException.class, () -> st.bytes("absent"));
        }
        SafetensorsFile closed = SafetensorsFile.open(f);
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.bytes("a"));
    }

    @Test
    void writerRejectsWrongByteCountAndLeavesNoFile() {
        Path f = tmp.resolve("bad.safetensors");
        List<TensorInfo> infos = List.of(new TensorInfo("a", DType.F32, new long[] {2}));
        assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.write(f, infos, n -> counting(4), Map.of()));
        assertTrue(Files.notExists(f) && Files.notExists(tmp.resolve("bad.safetensors.tmp")));
    }

    @Test
    void missingFileIsNamed() {
        var e = assertThrows(ModelLoadException.class, () -> SafetensorsFile.open(tmp.resolve("nope.safetensors")));
        assertTrue(e.getMessage().contains("nope.safetensors") && e.getMessage().contains("not found"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedFileIsOneClearModelLoadException(String label, byte[] file, List<String> mustMention)
            throws Exception {
        Path f = tmp.resolve("m.safetensors");
        Files.write(f, file);
        var e = assertThrows(ModelLoadException.class, () -> SafetensorsFile.open(f).close(), label);
        assertTrue(e.getMessage().contains(f.toString()), "names the file: " + e.getMessage());
        for (String s : mustMention) {
            assertTrue(e.getMessage().contains(s), "mentions " + s + ": " + e.getMessage());
        }
    }

    static Stream<Arguments> malformed() {
        String ok = "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]";
        return Stream.of(
                case_("empty file", new byte[0], "too short"),
                case_("7 bytes", new byte[7], "too short"),
                case_("header length 0", withLength(0, "{}", 0), "header length 0"),
                case_("header length negative as i64", withLength(-1, "{}", 0), "18446744073709551615"),
                case_("header length over 100 MB", withLength(200_000_000, "{}", 0), "200000000"),
                case_("header length past EOF", withLength(4096, "{}", 0), "past the end"),
                case_("truncated header", trunc(file("{\"w\":{" + ok + "}}", 8), 20), "past the end"),
                case_("invalid UTF-8", rawHeader(new byte[] {'{', '"', (byte) 0xC3, '"', ':', '1', '}'}), "UTF-8"),
                case_("bad JSON", file("{\"w\": ", 0), "invalid JSON"),
                case_("JSON NaN", file("{\"w\": NaN}", 0), "invalid JSON"),
                case_("deep nesting", file("{\"w\":" + "[".repeat(5000) + "]".repeat(5000) + "}", 0), "invalid JSON"),
                case_("not an object", file("[1,2,3]", 0), "JSON object"),
                case_("trailing data", file("{} {}", 0), "invalid JSON"),
                case_("duplicate tensor", file("{\"w\":{" + ok + "},\"w\":{" + ok + "}}", 8), "duplicate", "\"w\""),
                case_("entry not an object", file("{\"w\":5}", 0), "'w'", "object"),
                case_("unknown dtype", file("{\"w\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8),
                        "'w'", "I64"),
                case_("dtype not a string", file("{\"w\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "'w'"),
                case_("unknown entry field", file("{\"w\":{" + ok + ",\"extra\":1}}", 8), "'w'", "extra"),
                case_("shape x dtype mismatch", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,8]}}",
                        8), "'w'", "16 bytes"),
                case_("negative dim", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8),
                        "'w'", "negative"),
                case_("fractional dim", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]}}", 8),
                        "'w'", "integer"),
                case_("numel overflow", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],"
                        + "\"data_offsets\":[0,8]}}", 8), "'w'", "overflow"),
                case_("offsets past end", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8),
                        "'w'", "data_offsets"),
                case_("offsets reversed", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8),
                        "'w'", "data_offsets"),
                case_("offsets not a pair", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8]}}", 8),
                        "'w'", "data_offsets"),
                case_("overlap", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "overlap", "'a'", "'b'"),
                case_("metadata value not a string", file("{\"__metadata__\":{\"format\":1}}", 0), "__metadata__"));
    }

    private static Arguments case_(String label, byte[] file, String... mustMention) {
        return Arguments.of(label, file, List.of(mustMention));
    }

    /** A file: u64 LE header length, the header text, {@code dataBytes} zero bytes. */
    static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return withLength(h.length, header, dataBytes);
    }

    private static byte[] withLength(long declared, String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(declared).put(h)
                .array();
    }

    private static byte[] rawHeader(byte[] h) {
        return ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).array();
    }

    private static byte[] trunc(byte[] b, int len) {
        return Arrays.copyOf(b, len);
    }

    private static ByteBuffer counting(int n) {
        ByteBuffer b = ByteBuffer.allocate(n);
        for (int i = 0; i < n; i++) {
            b.put(i, (byte) (i * 7 + 1));
        }
        return b;
    }
}
