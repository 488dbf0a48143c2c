package dev.kvlab.runtime.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** A file of token ids separated by commas and/or whitespace ({@code kvlab eval --ids-file}). */
final class IdsFile {
    private IdsFile() {
    }

    /**
     * The ids in file order.
     *
     * @throws BadInputException naming the file and the first bad entry, for an unreadable file, an empty one, or an
     *                           entry that is not a non-negative integer
     */
    static int[] read(Path f) throws IOException {
        if (!Files.isRegularFile(f)) {
            throw new BadInputException("--ids-file " + f + ": not a readable file");
        }
        return parse(new String(Files.readAllBytes(f), StandardCharsets.UTF_8), f.toString());
    }

    static int[] parse(String text, String where) {
        String[] parts = text.trim().split("[,\\s]+");
        if (parts.length == 1 && parts[0].isEmpty()) {
            throw new BadInputException(where + ": no token ids");
        }
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].matches("[0-9]{1,9}")) {
                throw new BadInputException(where + ": entry " + (i + 1) + " '" + parts[i]
                        + "' is not a token id (a non-negative integer)");
            }
            ids[i] = Integer.parseInt(parts[i]);
        }
        return Arrays.copyOf(ids, ids.length);
    }
}
