package dev.kvlab.bench;

import dev.kvlab.bench.jmh.JmhCommand;
import dev.kvlab.runtime.cli.CheckStrategyCommand;
import dev.kvlab.runtime.cli.CheckpointCommand;
import dev.kvlab.runtime.cli.EnvCommand;
import dev.kvlab.runtime.cli.EvalCommand;
import dev.kvlab.runtime.cli.GenerateCommand;
import dev.kvlab.runtime.cli.KvlabCli;
import dev.kvlab.server.ServeCommand;
import picocli.CommandLine.Command;

/**
 * The {@code kvlab} command line: bench (the main job), generate, eval, checkpoint, jmh, serve, env, check-strategy.
 */
@Command(name = "kvlab", mixinStandardHelpOptions = true, version = "kvlab 0.1.0",
        description = "KV-cache research framework: GPT-2 on JavaCPP PyTorch with swappable cache strategies.")
public final class KvlabMain {
    private KvlabMain() {
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        int code = KvlabCli.run(KvlabCli.create(new KvlabMain(), new BenchCommand(), new GenerateCommand(),
                new EvalCommand(), new CheckpointCommand(), new JmhCommand(), new ServeCommand(), new EnvCommand(),
                new CheckStrategyCommand()), args);
        System.exit(code);
    }
}
