package dev.kvlab.server;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;

/** Aggregates a request's body up to {@code maxBytes}; a larger one gets an OpenAI-style 413 and the connection closes. */
final class BodyLimit extends HttpObjectAggregator {
    private final int maxBytes;
    private final ServerMetrics metrics;

    BodyLimit(int maxBytes, ServerMetrics metrics) {
        super(maxBytes);
        this.maxBytes = maxBytes;
        this.metrics = metrics;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        ApiError e = ApiError.tooLarge(maxBytes);
        metrics.httpError(e.status());
        ctx.writeAndFlush(NettyExchange.jsonResponse(e.status(), e.json(), false))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
