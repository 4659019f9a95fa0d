package dev.ferry.client;

import dev.ferry.protocol.Frame;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;

/**
 * The last handler of every session connection ("session"): hands frames and connection events to
 * the session's engine, which runs on this same event loop. Decoded frames hold no buffers, so
 * nothing here needs releasing.
 */
final class SessionChannelHandler extends SimpleChannelInboundHandler<Frame> {
    private final SessionEngine engine;

    SessionChannelHandler(SessionEngine engine) {
        this.engine = engine;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
        engine.onFrame(ctx.channel(), frame);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        engine.onInactive(ctx.channel());
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        engine.onException(ctx.channel(), cause);
        ctx.close();
    }
}
