package dev.kvlab.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpUtil;

/**
 * One connection: hands each aggregated request to {@link Routes} and, when the connection closes while a completion
 * is in flight (the client hung up), abandons it, which cancels its engine requests and frees their cache.
 * Runs on the connection's I/O thread only.
 */
final class HttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Routes routes;
    /** The completion being answered on this connection, or null. */
    private Completion current;

    HttpHandler(Routes routes) {
        this.routes = routes;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        Completion[] self = new Completion[1];
        NettyExchange exchange = new NettyExchange(ctx, keepAlive, () -> {
            if (current == self[0]) {
                current = null;
            }
        });
        self[0] = routes.handle(request, exchange);
        current = self[0];
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (current != null) {
            current.abandon();
            current = null;
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();   // a reset or broken connection: channelInactive cancels what it was running
    }
}
