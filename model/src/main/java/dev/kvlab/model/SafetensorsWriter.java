package dev.kvlab.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Writes safetensors files: tensors laid out back to back in list order, the JSON header padded with spaces to
 * a multiple of 8 bytes (as the reference implementation does). Streams one tensor at a time, so a file larger
 * than memory can be written. Writes to a temporary sibling and renames it, so a failed write leaves no
 * half-written file under the final name.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {
    }

    /**
     * Writes {@code tensors} to {@code file}.
     *
     * @param data     gives each tensor's bytes (position to limit), exactly {@code info.byteSize()} of them,
     *                 little-endian in {@code info.dtype()}
     * @param metadata the {@code __metadata__} map; omitted from the header when empty
     * @throws IllegalArgumentException if a tensor's bytes have the wrong length or names repeat
     * @throws UncheckedIOException     on I/O failure
     */
    public static void write(Path file, List<TensorInfo> tensors, Function<String, ByteBuffer> data,
                             Map<String, String> metadata) {
        byte[] header = header(tensors, metadata);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            writeTo(file, tmp, header, tensors, data);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(tmp);
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot write " + file, io);
            }
            throw (RuntimeException) e;
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rename " + tmp + " to " + file, e);
        }
    }

    private static void writeTo(Path file, Path tmp, byte[] header, List<TensorInfo> tensors, Function<String, ByteBuffer> data)
            throws IOException {
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeAll(ch, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip());
            writeAll(ch, ByteBuffer.wrap(header));
            for (TensorInfo t : tensors) {
                ByteBuffer b = data.apply(t.name()).duplicate();
                if (b.remaining() != t.byteSize()) {
                    throw new IllegalArgumentException(file + ": tensor '" + t.name() + "' has " + b.remaining()
                            + " bytes, expected " + t.byteSize());
                }
                writeAll(ch, b);
            }
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: the original failure is what the caller needs to see
        }
    }

    /** The UTF-8 JSON header, space-padded to a multiple of 8 bytes. */
    static byte[] header(List<TensorInfo> tensors, Map<String, String> metadata) {
        JsonObject o = new JsonObject();
        if (!metadata.isEmpty()) {
            JsonObject m = new JsonObject();
            metadata.forEach(m::addProperty);
            o.add(SafetensorsHeader.METADATA_KEY, m);
        }
        long offset = 0;
        for (TensorInfo t : tensors) {
            if (o.has(t.name())) {
                throw new IllegalArgumentException("duplicate tensor name '" + t.name() + "'");
            }
            JsonObject e = new JsonObject();
            e.addProperty("dtype", t.dtype().name());
            JsonArray shape = new JsonArray();
            for (long d : t.shape()) {
                shape.add(d);
            }
            e.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offset = Math.addExact(offset, t.byteSize());
            offsets.add(offset);
            e.add("data_offsets", offsets);
            o.add(t.name(), e);
        }
        byte[] json = o.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
