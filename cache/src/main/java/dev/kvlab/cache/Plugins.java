package dev.kvlab.cache;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * Loads {@link StrategyPlugin}s from the jars of one directory (not its subdirectories), with one class loader whose
 * parent is kvlab's, so a plugin sees kvlab's classes and nothing kvlab has to know about it. Every failure is one
 * {@link IllegalArgumentException} line naming the directory and what went wrong.
 */
public final class Plugins {
    private Plugins() {
    }

    /** The strategies of the jars in {@code dir}, in jar-name order; {@code source} names the directory in errors. */
    public static List<StrategyDescription> load(Path dir, String source) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(source + ": not a directory");
        }
        List<URL> jars = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".jar")).sorted().toList()) {
                jars.add(p.toUri().toURL());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": cannot list: " + e.getMessage(), e);
        }
        ClassLoader loader = new URLClassLoader(jars.toArray(new URL[0]), Plugins.class.getClassLoader());
        List<StrategyDescription> out = new ArrayList<>();
        try {
            for (StrategyPlugin p : ServiceLoader.load(StrategyPlugin.class, loader)) {
                StrategyDescription d = p.describe();
                if (d == null) {
                    throw new IllegalArgumentException(source + ": " + p.getClass().getName() + " describes nothing");
                }
                out.add(d);
            }
        } catch (ServiceConfigurationError | LinkageError e) {
            throw new IllegalArgumentException(source + ": a plugin failed to load: " + e.getMessage(), e);
        }
        return out;
    }

}
