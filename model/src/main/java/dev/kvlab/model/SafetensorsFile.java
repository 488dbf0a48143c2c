package dev.kvlab.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A read-only, memory-mapped <a href="https://github.com/huggingface/safetensors">safetensors</a> file.
 *
 * <p>{@link #open} validates the whole header (see {@link SafetensorsHeader}) before returning, so any later
 * {@link #bytes} call stays inside the file. Each tensor is its own mapping (under 2 GiB each, so files of any
 * size work, e.g. gpt2-xl's 6 GB); nothing is read until a tensor is asked for. Generic: knows nothing of GPT-2.
 */
public final class SafetensorsFile implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final SafetensorsHeader header;
    private volatile boolean closed;

    private SafetensorsFile(Path path, FileChannel channel, SafetensorsHeader header) {
        this.path = path;
        this.channel = channel;
        this.header = header;
    }

    /**
     * Opens and validates {@code file}.
     *
     * @throws ModelLoadException naming the file (and tensor) if it is missing, unreadable or malformed
     */
    public static SafetensorsFile open(Path file) {
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            return new SafetensorsFile(file, ch, SafetensorsHeader.read(ch, file.toString()));
        } catch (NoSuchFileException e) {
            throw new ModelLoadException(file + ": safetensors file not found", e);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new ModelLoadException(file + ": cannot read: " + e, e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /** The file this was opened from. */
    public Path path() {
        return path;
    }

    /** The {@code __metadata__} string map, empty if absent. */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** Every tensor, in header order, with its stored name. */
    public List<TensorInfo> tensors() {
        List<TensorInfo> out = new ArrayList<>();
        header.entries().values().forEach(e -> out.add(e.info()));
        return out;
    }

    /** The tensor stored under {@code name}, if any. */
    public Optional<TensorInfo> info(String name) {
        return Optional.ofNullable(header.entries().get(name)).map(SafetensorsHeader.Entry::info);
    }

    /**
     * The raw bytes of tensor {@code name}: a read-only little-endian mapping of exactly
     * {@code info(name).byteSize()} bytes.
     *
     * @throws IllegalArgumentException if there is no such tensor
     * @throws IllegalStateException    after {@link #close()}
     * @throws ModelLoadException       if the mapping fails (naming file and tensor)
     */
    public ByteBuffer bytes(String name) {
        if (closed) {
            throw new IllegalStateException(path + " is closed");
        }
        SafetensorsHeader.Entry e = header.entries().get(name);
        if (e == null) {
            throw new IllegalArgumentException(path + ": no tensor '" + name + "'");
        }
        try {
            long pos = header.dataStart() + e.begin();
            return channel.map(FileChannel.MapMode.READ_ONLY, pos, e.end() - e.begin())
                    .asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException ex) {
            throw new ModelLoadException(path + ": tensor '" + name + "': cannot map: " + ex, ex);
        }
    }

    /** Closes the file; buffers already returned remain readable until garbage-collected. Idempotent. */
    @Override
    public void close() {
        closed = true;
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // read-only channel: nothing was written that could be lost
            }
        }
    }
}
