package dev.kvlab.server;

import dev.kvlab.runtime.cli.KvlabCli;
import picocli.CommandLine.Command;

/** {@code kvlab serve} as its own process for {@link ServeProcessTest} (the real entry point lives in bench). */
public final class ServeMain {
    @Command(name = "kvlab")
    static final class Root {
    }

    private ServeMain() {
    }

    public static void main(String[] args) {
        System.exit(KvlabCli.create(new Root(), new ServeCommand()).execute(args));
    }
}
