package dev.kvlab.model;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random corruption of a valid checkpoint: every outcome must be a successful load (all tensors
 * readable) or a {@link ModelLoadException} -- never another exception, never a hang.
 */
class CheckpointFuzzTest {
    private static final int CASES = 400;
    private static final long SEED = 20241123L;
    @TempDir
    Path tmp;

    @Test
    void corruptedCheckpointsLoadOrFailCleanly() throws Exception {
        Path good = tmp.resolve("good");
        Checkpoints.write(FormulaWeights.of(TestCheckpoints.MICRO, 0), good);
        byte[] original = Files.readAllBytes(good.resolve(Checkpoints.WEIGHTS));
        Path dir = tmp.resolve("fuzz");
        Files.createDirectories(dir);
        Files.copy(good.resolve(Checkpoints.CONFIG), dir.resolve(Checkpoints.CONFIG));
        Random rnd = new Random(SEED);
        int[] outcomes = new int[2];                       // [loaded, rejected]
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int i = 0; i < CASES; i++) {
                String how = mutate(original, rnd, dir.resolve(Checkpoints.WEIGHTS));
                outcomes[tryLoad(dir, "case " + i + " (" + how + ")")]++;
            }
        });
        assertTrue(outcomes[0] > 10 && outcomes[1] > 10, "both outcomes exercised: " + Arrays.toString(outcomes));
    }

    /** 0 if it loaded and every tensor was readable, 1 if rejected with ModelLoadException. */
    private static int tryLoad(Path dir, String what) {
        try (TensorSource src = Checkpoints.open(dir)) {
            for (String n : src.names()) {
                ByteBuffer b = src.bytes(n);
                if (b.remaining() != src.info(n).byteSize()) {
                    fail(what + ": " + n + " has " + b.remaining() + " bytes");
                }
            }
            return 0;
        } catch (ModelLoadException e) {
            return 1;
        } catch (RuntimeException | Error e) {
            throw new AssertionError(what + ": unexpected " + e, e);
        }
    }

    /** Writes a corrupted copy of {@code original} to {@code out}; returns a description. */
    private static String mutate(byte[] original, Random rnd, Path out) throws Exception {
        int headerEnd = 8 + (int) ByteBuffer.wrap(original, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] b = original.clone();
        String how;
        int kind = rnd.nextInt(100);
        if (kind < 55) {                                  // flip bits inside the JSON header
            int n = 1 + rnd.nextInt(3);
            for (int k = 0; k < n; k++) {
                b[8 + rnd.nextInt(headerEnd - 8)] ^= (byte) (1 << rnd.nextInt(8));
            }
            how = n + " header bit flips";
        } else if (kind < 65) {                           // replace a header byte with a JSON-significant one
            int at = 8 + rnd.nextInt(headerEnd - 8);
            String significant = "{}[]\":,-0123456789eE. \\";
            b[at] = (byte) significant.charAt(rnd.nextInt(significant.length()));
            how = "header byte " + at + " := '" + (char) b[at] + "'";
        } else if (kind < 75) {                           // flip anywhere, data included
            int at = rnd.nextInt(b.length);
            b[at] ^= (byte) (1 + rnd.nextInt(255));
            how = "byte " + at + " flipped";
        } else if (kind < 90) {                           // truncate
            int len = rnd.nextInt(b.length);
            b = Arrays.copyOf(b, len);
            how = "truncated to " + len;
        } else {                                          // corrupt the header length field
            long n = rnd.nextBoolean() ? rnd.nextLong() : headerEnd - 8 + rnd.nextInt(33) - 16;
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
            how = "header length := " + Long.toUnsignedString(n);
        }
        Files.write(out, b);
        return how;
    }
}
