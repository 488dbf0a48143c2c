package dev.kvlab.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A trained checkpoint that ships inside kvlab as classpath resources ({@code config.json}, {@code model.safetensors},
 * {@code tokenizer.json}, {@code heldout.txt} under {@code dev/kvlab/model/<name>/}), every file's sha256 pinned here. Loading extracts
 * the files once into {@code <java.io.tmpdir>/kvlab-<name>-<sha prefix>/} (verified, then moved into place
 * atomically) and opens that directory like any Hugging Face checkpoint.
 *
 * <p>Invariant: a directory this returns holds exactly the pinned bytes.
 *
 * @param name  the built-in model name ({@code kjv-small})
 * @param files the shipped files with their sha256, config.json first
 */
public record ShippedCheckpoint(String name, List<PinnedFile> files) {

    /** One shipped file and the sha256 of its bytes. */
    public record PinnedFile(String fileName, String sha256) {
    }

    /**
     * {@code kjv-small}: GPT-2 (4 layers, 256 wide, 4 heads, 1024 positions, vocab 4096) trained on the King James
     * Bible by {@code tools/train_kjv_small.py}; the held-out books ship as {@link #HELDOUT}.
     */
    public static final ShippedCheckpoint KJV_SMALL = new ShippedCheckpoint("kjv-small", List.of(
            new PinnedFile(Checkpoints.CONFIG, "0ca328303310186a8038bc246a44da2a2b020f4751e82ac86991410851a68a69"),
            new PinnedFile(Checkpoints.WEIGHTS, "b06e2d2bd502b34a4ed10655708287f0244fd1879af739b22dd01ab37d64f996"),
            new PinnedFile(Checkpoints.TOKENIZER, "83f4f58e28a8e0e9baece13b5c9a3d9857a4b3512e08a7b21172f8a1c13e7b04"),
            new PinnedFile(ShippedCheckpoint.HELDOUT, "ee470da5cad981257a1222a09c87ae969ccdc213afea2c8e1192c693713642d4")));

    /** The held-out text of a trained checkpoint's split (for kjv-small: Ruth, Ecclesiastes, John, Hebrews), UTF-8. */
    public static final String HELDOUT = "heldout.txt";

    /** Every shipped checkpoint, by name. */
    public static List<ShippedCheckpoint> all() {
        return List.of(KJV_SMALL);
    }

    /** The shipped checkpoint called {@code name}, or null. */
    public static ShippedCheckpoint named(String name) {
        for (ShippedCheckpoint c : all()) {
            if (c.name.equals(name)) {
                return c;
            }
        }
        return null;
    }

    /**
     * A directory holding the verified files, extracted on first use.
     *
     * @throws ModelLoadException if a resource is missing or its sha256 differs from the pin
     */
    public Path directory() {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"),
                "kvlab-" + name + "-" + pin(Checkpoints.WEIGHTS).sha256().substring(0, 12));
        if (verified(dir)) {
            return dir;
        }
        try {
            Path tmp = Files.createTempDirectory(dir.getParent(), "kvlab-" + name + "-partial-");
            writeTo(tmp);
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
                deleteTree(tmp);          // another process extracted it first
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract built-in model " + name, e);
        }
        if (!verified(dir)) {
            throw new ModelLoadException(dir + ": extracted files of built-in model " + name + " fail their sha256");
        }
        return dir;
    }

    /**
     * Writes the verified files into {@code out} (created if needed).
     *
     * @throws ModelLoadException if a resource is missing or its sha256 differs from the pin
     */
    public void writeTo(Path out) throws IOException {
        Files.createDirectories(out);
        for (PinnedFile f : files) {
            Files.write(out.resolve(f.fileName()), verifiedBytes(f));
        }
    }

    /** The held-out text, verified. */
    public String heldoutText() {
        return new String(verifiedBytes(pin(HELDOUT)), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The pin of {@code fileName}. */
    public PinnedFile pin(String fileName) {
        for (PinnedFile f : files) {
            if (f.fileName().equals(fileName)) {
                return f;
            }
        }
        throw new IllegalArgumentException(name + " ships no " + fileName);
    }

    /** The bytes of a shipped file, checked against its pin. */
    public byte[] verifiedBytes(PinnedFile f) {
        String resource = name + "/" + f.fileName();
        try (InputStream in = ShippedCheckpoint.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new ModelLoadException("classpath resource " + resource + " is missing from kvlab-model");
            }
            byte[] bytes = in.readAllBytes();
            String sha = Gpt2Tokenizer.sha256(bytes);
            if (!sha.equals(f.sha256())) {
                throw new ModelLoadException(resource + ": sha256 " + sha + " != pinned " + f.sha256());
            }
            return bytes;
        } catch (IOException e) {
            throw new ModelLoadException(resource + ": cannot read: " + e, e);
        }
    }

    private boolean verified(Path dir) {
        try {
            for (PinnedFile f : files) {
                Path p = dir.resolve(f.fileName());
                if (!Files.isRegularFile(p) || !Gpt2Tokenizer.sha256(Files.readAllBytes(p)).equals(f.sha256())) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
