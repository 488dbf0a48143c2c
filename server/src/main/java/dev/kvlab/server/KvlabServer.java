package dev.kvlab.server;

import dev.kvlab.runtime.Engine;
import dev.kvlab.runtime.EngineConfig;
import dev.kvlab.runtime.LoadedModel;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * {@code kvlab serve}: an OpenAI-compatible HTTP server over one {@link EngineLoop}. Netty does the HTTP (it reads every
 * connection all the time, so a client that hangs up is noticed at once, also before its first token); one
 * {@link HttpHandler} per connection routes and answers.
 *
 * <p>Owns the engine and its loop; borrows the model. {@link #close} is the graceful shutdown: stop accepting
 * connections and requests, let in-flight requests finish within the grace period, cancel the rest, free the cache.
 */
public final class KvlabServer implements AutoCloseable {
    private final ServerOptions options;
    private final Engine engine;
    private final EngineLoop loop;
    private final ServerMetrics metrics = new ServerMetrics();
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Channel listener;
    private boolean closed;

    private KvlabServer(LoadedModel model, EngineConfig engineConfig, ServerOptions options, int ioThreads,
                        int torchThreads) {
        this.options = options;
        this.engine = new Engine(model.model(), engineConfig);
        this.loop = new EngineLoop(engine, engineConfig.maxSeqs() + options.maxWaiting(), metrics, torchThreads);
        Routes routes = new Routes(options, model, loop, metrics);
        this.boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.workers = new MultiThreadIoEventLoopGroup(ioThreads, NioIoHandler.newFactory());
        try {
            ServerBootstrap b = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            connections.add(ch);
                            ch.pipeline().addLast(new HttpServerCodec(), new BodyLimit(options.maxBodyBytes(), metrics),
                                    new HttpHandler(routes));
                        }
                    });
            this.listener = b.bind(options.host(), options.port()).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            shutdownGroups();
            loop.close();
            engine.close();
            throw new IllegalArgumentException("cannot listen on " + options.host() + ":" + options.port() + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Starts serving {@code model} (borrowed: the caller closes it after this server).
     *
     * @param ioThreads    Netty I/O threads (JSON, tokenizing and writing happen there; the model runs on the engine
     *                     thread)
     * @param torchThreads torch threads of the engine thread ({@code --threads}; 0 = one per core)
     */
    public static KvlabServer start(LoadedModel model, EngineConfig engineConfig, ServerOptions options,
                                    int ioThreads, int torchThreads) {
        return new KvlabServer(model, engineConfig, options, ioThreads, torchThreads);
    }

    /** The port it listens on (useful with port 0). */
    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Engine requests accepted and not yet ended. */
    public int inFlight() {
        return loop.inFlight();
    }

    /** The cache's reserved tokens after the engine's last step (0 when nothing is live). */
    public int reservedTokens() {
        return loop.snapshot().memory().reservedTokens();
    }

    /** Paged: blocks in use after the engine's last step. */
    public int blocksUsed() {
        return loop.snapshot().memory().blocksUsed();
    }

    /** Engine requests that ended with this finish reason (length, eos, cancelled, rejected, ...). */
    public long finishedCount(String reason) {
        return metrics.finishedCount(reason);
    }

    /** Graceful shutdown (see the class comment); idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        listener.close().syncUninterruptibly();
        loop.stopAccepting();
        try {
            loop.awaitIdle(System.nanoTime() + Math.round(options.shutdownGraceSeconds() * 1e9));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loop.close();   // cancels what is left; their last chunks are queued on the I/O threads before the closes
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        shutdownGroups();
        engine.close();
    }

    private void shutdownGroups() {
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
