package dev.kvlab.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/COMPARISON.md stays reproducible: it starts with the command that produced it, and every figure it shows is
 * a chart that command draws (a name {@link BenchCharts} knows), present as PNG and SVG under docs/figures.
 */
class DocsFiguresTest {
    private static final Path DOCS = Path.of("..", "docs");

    @Test
    void comparisonStartsWithItsCommandAndShowsOnlyChartsTheCommandDraws() throws IOException {
        String md = Files.readString(DOCS.resolve("COMPARISON.md"));
        int fence = md.indexOf("```");
        assertTrue(fence >= 0 && md.indexOf("./kvlab bench --preset full", fence) > fence
                && md.indexOf("./kvlab bench --preset full", fence) < md.indexOf("```", fence + 3),
                "the first code block holds the reproducing command");
        Matcher m = Pattern.compile("figures/([a-z0-9_]+)\\.png").matcher(md);
        List<String> shown = new ArrayList<>();
        while (m.find()) {
            shown.add(m.group(1));
        }
        assertFalse(shown.isEmpty());
        for (String name : shown) {
            assertTrue(BenchCharts.NAMES.contains(name), name + " is not a chart kvlab bench draws");
            byte[] png = Files.readAllBytes(DOCS.resolve("figures/" + name + ".png"));
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4), name);
            assertTrue(Files.readString(DOCS.resolve("figures/" + name + ".svg")).contains("<svg"), name);
        }
    }
}
