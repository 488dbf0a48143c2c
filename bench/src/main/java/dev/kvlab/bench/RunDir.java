package dev.kvlab.bench;

import dev.kvlab.runtime.IoErrors;
import dev.kvlab.runtime.cli.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The {@code --out} directory of a bench run, made ready before anything is measured: created, probed with a
 * test file, and refused when it already holds a run (whose files {@code --replot} would mix into the new one) unless
 * the user says {@code --overwrite} (its kvlab files are deleted first; nothing else is touched) or {@code --resume}
 * (its finished runs are kept and skipped). Every failure is one line naming the directory and the cause.
 */
final class RunDir {
    /** Files and folders a bench run writes; the ones {@code --overwrite} deletes. */
    static final List<String> OUTPUTS = List.of("meta.json", "summary.md", "charts", "runs.jsonl", "runs.csv",
            "requests.jsonl", "requests.csv", "kv_growth.jsonl", "kv_growth.csv", "long_gen.jsonl", "long_gen.csv",
            "quality.jsonl", "quality.csv", "quality_positions.jsonl", "quality_positions.csv", "attention.jsonl",
            "attention.csv");

    private RunDir() {
    }

    /** Makes {@code dir} ready for a run; see the class comment. */
    static void prepare(Path dir, boolean overwrite, boolean resume) {
        if (overwrite && resume) {
            throw new BadInputException("give --overwrite or --resume, not both");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new BadInputException("--out " + dir + " is a file, not a directory");
        }
        if (holdsRun(dir) && !overwrite && !resume) {
            throw new BadInputException("--out " + dir + " already holds a bench run; give --resume to continue it, "
                    + "--overwrite to replace it, or another --out");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new BadInputException("cannot create --out " + dir + ": " + IoErrors.describe(e));
        }
        if (overwrite) {
            OUTPUTS.forEach(name -> delete(dir.resolve(name)));
        }
        try {
            Path probe = Files.createTempFile(dir, ".kvlab-probe", "");
            Files.write(probe, new byte[] {'\n'});
            Files.delete(probe);
        } catch (IOException e) {
            throw new BadInputException("cannot write under --out " + dir + ": " + IoErrors.describe(e));
        }
    }

    /** Whether {@code dir} holds results of a run (a meta.json alone is a run that stopped before its first row). */
    static boolean holdsRun(Path dir) {
        return Files.isDirectory(dir) && OUTPUTS.stream().filter(n -> !n.equals("meta.json"))
                .anyMatch(n -> Files.exists(dir.resolve(n)));
    }

    private static void delete(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> all = Files.walk(p)) {
            for (Path q : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        } catch (IOException e) {
            throw new BadInputException("--overwrite: cannot delete " + p + ": " + IoErrors.describe(e));
        }
    }
}
