package dev.ferry.server.admin;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "admin" handler: one per connection. Hands each request to the {@link AdminRouter} and
 * writes the answers strictly in request order (HTTP/1.1 pipelining), even when an answer is
 * computed on a virtual thread. While a request is in flight, reading is paused so a client
 * cannot queue up unbounded work. Keep-alive follows the request; a connection that sent a
 * malformed request is closed after the answer, because its framing cannot be trusted.
 */
final class AdminHttpHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(AdminHttpHandler.class);

    /** A request waiting its turn: either for the router, or already answered (malformed, oversized). */
    private record Pending(HttpVersion version, boolean keepAlive, AdminRequest request, AdminResponse answer) {}

    private final AdminRouter router;
    private final Deque<Pending> waiting = new ArrayDeque<>();
    private boolean busy;
    private boolean closing;

    AdminHttpHandler(AdminRouter router) {
        this.router = router;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof FullHttpRequest request) {
            try {
                waiting.add(pending(request));
            } finally {
                request.release();
            }
        } else if (msg instanceof OversizedRequest oversized) {
            waiting.add(new Pending(oversized.version(), oversized.keepAlive(), null, oversized.response()));
        } else {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!busy) answerNext(ctx);
    }

    private static Pending pending(FullHttpRequest request) {
        if (request.decoderResult().isFailure()) {
            return new Pending(
                    HttpVersion.HTTP_1_1,
                    false,
                    null,
                    malformed(request.decoderResult().cause()));
        }
        AdminRequest adminRequest = new AdminRequest(
                request.method().name().toUpperCase(Locale.ROOT),
                path(request.uri()),
                request.headers().get(HttpHeaderNames.AUTHORIZATION),
                request.headers().get(BearerAuth.TOKEN_HEADER),
                request.headers().get(HttpHeaderNames.CONTENT_TYPE),
                ByteBufUtil.getBytes(request.content()));
        return new Pending(request.protocolVersion(), HttpUtil.isKeepAlive(request), adminRequest, null);
    }

    private void answerNext(ChannelHandlerContext ctx) {
        Pending next = waiting.poll();
        if (next == null) {
            busy = false;
            ctx.channel().config().setAutoRead(true);
            return;
        }
        busy = true;
        ctx.channel().config().setAutoRead(false);
        CompletableFuture<AdminResponse> answer = next.answer() != null
                ? CompletableFuture.completedFuture(next.answer())
                : router.handle(next.request());
        answer.whenComplete((response, error) -> {
            AdminResponse r = error == null
                    ? response
                    : AdminResponse.error(500, "internal error: " + error + "; see the server log");
            if (ctx.executor().inEventLoop()) write(ctx, next, r);
            else ctx.executor().execute(() -> write(ctx, next, r));
        });
    }

    private void write(ChannelHandlerContext ctx, Pending request, AdminResponse answer) {
        if (closing || !ctx.channel().isActive()) return;
        FullHttpResponse response = new DefaultFullHttpResponse(
                request.version(), HttpResponseStatus.valueOf(answer.status()), Unpooled.wrappedBuffer(answer.body()));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, answer.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, answer.body().length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set("X-Content-Type-Options", "nosniff");
        for (Map.Entry<String, String> h : answer.headers().entrySet())
            response.headers().set(h.getKey(), h.getValue());
        if (!request.keepAlive()) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (request.version().equals(HttpVersion.HTTP_1_0)) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ChannelFuture written = ctx.writeAndFlush(response);
        if (!request.keepAlive()) {
            closing = true;
            waiting.clear();
            written.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        answerNext(ctx);
    }

    /** The read timeout: only closes a connection that is not waiting for one of our answers. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent) {
            if (!busy && waiting.isEmpty()) {
                log.debug(
                        "admin: closing idle connection from {}", ctx.channel().remoteAddress());
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A client that goes away (reset, or mid-request) is routine, not a server problem.
        if (cause instanceof IOException || cause instanceof PrematureChannelClosureException) {
            log.debug("admin: connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn(
                    "admin: closing connection from {} after an error",
                    ctx.channel().remoteAddress(),
                    cause);
        }
        closing = true;
        ctx.close();
    }

    private static AdminResponse malformed(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return AdminResponse.error(414, "request line too long: " + cause.getMessage() + "; use a shorter URI");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return AdminResponse.error(
                    431, "request headers too large: " + cause.getMessage() + "; send fewer or smaller headers");
        }
        String what = cause instanceof TooLongFrameException ? "too long" : "malformed";
        return AdminResponse.error(400, "the HTTP request is " + what + ": " + cause.getMessage());
    }

    /** The path of an origin-form ("/a?b") or absolute-form ("http://h/a?b") request target. */
    static String path(String uri) {
        String p = uri;
        int scheme = p.indexOf("://");
        if (scheme > 0 && p.indexOf('/') > scheme) {
            int slash = p.indexOf('/', scheme + 3);
            p = slash < 0 ? "/" : p.substring(slash);
        }
        int cut = p.length();
        int q = p.indexOf('?');
        if (q >= 0) cut = q;
        int hash = p.indexOf('#');
        if (hash >= 0 && hash < cut) cut = hash;
        return p.substring(0, cut);
    }
}
