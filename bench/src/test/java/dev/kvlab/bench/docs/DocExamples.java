package dev.kvlab.bench.docs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * The Java examples of a docs page, compiled as the page shows them: every {@code ```java} block that declares a
 * class is saved under its package and class name and compiled with the test's own classpath (kvlab's modules and
 * their dependencies), so a page whose example no longer compiles fails its test.
 */
final class DocExamples {
    static final Path DOCS = Path.of("..", "docs");
    private static final Pattern BLOCK = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL);
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern CLASS = Pattern.compile("public (?:final )?(?:class|interface|record) (\\w+)");

    private DocExamples() {
    }

    /** The {@code ```java} blocks of {@code page} (under docs/) that declare a public class. */
    static List<String> classes(String page) throws IOException {
        Matcher m = BLOCK.matcher(Files.readString(DOCS.resolve(page)));
        List<String> out = new ArrayList<>();
        while (m.find()) {
            if (CLASS.matcher(m.group(1)).find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    /** Writes each source under {@code src/} by its package and class and compiles it into {@code classes/}. */
    static Path compile(List<String> sources, Path dir) throws IOException {
        Path src = dir.resolve("src");
        Path classes = Files.createDirectories(dir.resolve("classes"));
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-cp",
                System.getProperty("java.class.path"), "-proc:none", "-Xlint:none"));
        for (String s : sources) {
            Matcher p = PACKAGE.matcher(s);
            Matcher c = CLASS.matcher(s);
            c.find();
            Path file = src.resolve(p.find() ? p.group(1).replace('.', '/') : "").resolve(c.group(1) + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, s);
            args.add(file.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = javac.run(null, null, err, args.toArray(new String[0]));
        if (code != 0) {
            throw new AssertionError("the docs example does not compile:\n" + err.toString(StandardCharsets.UTF_8));
        }
        return classes;
    }

    /** Runs {@code main(args)} of {@code className} from {@code classes}, returning what it printed. */
    static String runMain(Path classes, String className, String... args) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                DocExamples.class.getClassLoader())) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            loader.loadClass(className).getMethod("main", String[].class).invoke(null, (Object) args);
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
