package dev.kvlab.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parsed, fully validated header of a safetensors file.
 *
 * <p>Layout: {@code u64 LE n}, then {@code n} bytes of UTF-8 JSON, then the data section. The JSON maps each
 * tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the data
 * section) plus an optional {@code "__metadata__"} string map. Invariants after {@link #read}: every entry
 * has a supported dtype, {@code end - begin == numel * dtype.bytes()}, {@code end <= dataSize}, no two
 * non-empty ranges overlap, and every tensor is under 2 GiB (one mapping each).
 *
 * @param entries   tensors in header order, by stored name
 * @param metadata  the {@code __metadata__} map (empty if absent)
 * @param dataStart file offset of the data section: {@code 8 + n}
 */
record SafetensorsHeader(Map<String, Entry> entries, Map<String, String> metadata, long dataStart) {
    /** Largest header accepted (the reference implementation's limit). */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    static final String METADATA_KEY = "__metadata__";
    private static final Set<String> ENTRY_KEYS = Set.of("dtype", "shape", "data_offsets");

    /** One tensor: its info and byte range {@code [begin, end)} within the data section. */
    record Entry(TensorInfo info, long begin, long end) {
    }

    /** Reads and validates the header of {@code ch}; {@code file} names the file in error messages. */
    static SafetensorsHeader read(FileChannel ch, String file) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new ModelLoadException(file + ": " + size + " bytes is too short for a safetensors file (min 8)");
        }
        long n = readFully(ch, 0, 8, file).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n <= 0 || n > MAX_HEADER_BYTES) {
            throw new ModelLoadException(file + ": header length " + Long.toUnsignedString(n)
                    + " is not in [1, " + MAX_HEADER_BYTES + "]");
        }
        if (n > size - 8) {
            throw new ModelLoadException(file + ": header length " + n + " runs past the end of the " + size
                    + "-byte file");
        }
        String json = decodeUtf8(readFully(ch, 8, (int) n, file), file);
        return parse(json, file, size - 8 - n, 8 + n);
    }

    private static SafetensorsHeader parse(String json, String file, long dataSize, long dataStart) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = Map.of();
        for (Map.Entry<String, JsonElement> m : StrictJson.parseObject(json, file + ": header").entrySet()) {
            if (m.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(m.getValue(), file);
            } else {
                String where = file + ": tensor '" + m.getKey() + "'";
                entries.put(m.getKey(), parseEntry(m.getKey(), m.getValue(), where, dataSize));
            }
        }
        checkNoOverlap(entries, file);
        return new SafetensorsHeader(Collections.unmodifiableMap(entries), metadata, dataStart);
    }

    private static Entry parseEntry(String name, JsonElement value, String where, long dataSize) {
        JsonObject o = StrictJson.object(value, where);
        for (String key : o.keySet()) {
            if (!ENTRY_KEYS.contains(key)) {
                throw new ModelLoadException(where + ": unknown field '" + key + "'");
            }
        }
        String dtypeName = StrictJson.string(o.get("dtype"), where + ": dtype");
        DType dtype = DType.parse(dtypeName).orElseThrow(() -> new ModelLoadException(
                where + ": dtype '" + dtypeName + "' is not supported (supported: F32, F16, BF16)"));
        long[] shape = longs(o.get("shape"), -1, where + ": shape");
        long[] offsets = longs(o.get("data_offsets"), 2, where + ": data_offsets");
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end || end > dataSize) {
            throw new ModelLoadException(where + ": data_offsets [" + begin + ", " + end
                    + "] are not a range within the " + dataSize + "-byte data section");
        }
        long bytes = byteSize(shape, dtype, where);
        if (bytes != end - begin) {
            throw new ModelLoadException(where + ": shape needs " + bytes + " bytes of " + dtype
                    + " but data_offsets span " + (end - begin));
        }
        if (bytes > Integer.MAX_VALUE) {
            throw new ModelLoadException(where + ": " + bytes + " bytes is too large to map (max 2 GiB per tensor)");
        }
        return new Entry(new TensorInfo(name, dtype, shape), begin, end);
    }

    /** A JSON array of non-negative exact longs; {@code length < 0} means any length. */
    private static long[] longs(JsonElement e, int length, String what) {
        if (e == null || !e.isJsonArray()) {
            throw new ModelLoadException(what + " must be an array, got " + e);
        }
        JsonArray a = e.getAsJsonArray();
        if (length >= 0 && a.size() != length) {
            throw new ModelLoadException(what + " must have " + length + " elements, got " + a.size());
        }
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = StrictJson.exactLong(a.get(i), what + "[" + i + "]");
            if (out[i] < 0) {
                throw new ModelLoadException(what + "[" + i + "] is negative: " + out[i]);
            }
        }
        return out;
    }

    private static long byteSize(long[] shape, DType dtype, String where) {
        try {
            return Math.multiplyExact(TensorInfo.numelOf(shape), (long) dtype.bytes());
        } catch (ArithmeticException e) {
            throw new ModelLoadException(where + ": shape element count overflows a long", e);
        }
    }

    private static Map<String, String> parseMetadata(JsonElement value, String file) {
        String where = file + ": " + METADATA_KEY;
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> m : StrictJson.object(value, where).entrySet()) {
            out.put(m.getKey(), StrictJson.string(m.getValue(), where + "." + m.getKey()));
        }
        return Collections.unmodifiableMap(out);
    }

    private static void checkNoOverlap(Map<String, Entry> entries, String file) {
        List<Entry> sorted = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (e.end > e.begin) {
                sorted.add(e);
            }
        }
        sorted.sort(Comparator.comparingLong(Entry::begin));
        for (int i = 1; i < sorted.size(); i++) {
            Entry prev = sorted.get(i - 1);
            Entry cur = sorted.get(i);
            if (cur.begin < prev.end) {
                throw new ModelLoadException(file + ": tensor '" + cur.info.name() + "' bytes [" + cur.begin + ", "
                        + cur.end + ") overlap tensor '" + prev.info.name() + "' [" + prev.begin + ", " + prev.end + ")");
            }
        }
    }

    private static ByteBuffer readFully(FileChannel ch, long pos, int len, String file) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                throw new ModelLoadException(file + ": unexpected end of file at byte " + (pos + b.position()));
            }
        }
        return b.flip();
    }

    private static String decodeUtf8(ByteBuffer b, String file) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(b).toString();
        } catch (CharacterCodingException e) {
            throw new ModelLoadException(file + ": header is not valid UTF-8", e);
        }
    }
}
