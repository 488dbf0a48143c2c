package dev.kvlab.server;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kvlab.runtime.cli.GenerateCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Runs {@code kvlab generate --json} in this JVM (the oracle for the server's outputs) and returns its request line. */
final class Generate {
    private Generate() {
    }

    static JsonObject json(String... args) {
        return jsonFor(TestServers.MODEL, args);
    }

    /** The same with another {@code --model}. */
    static synchronized JsonObject jsonFor(String model, String... args) {
        String[] base = {"--model", model, "--threads", "1", "--device", "cpu", "--json"};
        String[] all = new String[base.length + args.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(args, 0, all, base.length, args.length);
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            code = new CommandLine(new GenerateCommand()).execute(all);
        } finally {
            System.setOut(old);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        if (code != 0) {
            throw new IllegalStateException("kvlab generate exited " + code + ": " + text);
        }
        return JsonParser.parseString(text.lines().findFirst().orElseThrow()).getAsJsonObject();
    }
}
