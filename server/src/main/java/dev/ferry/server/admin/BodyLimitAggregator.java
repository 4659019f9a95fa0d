package dev.ferry.server.admin;

import dev.ferry.admin.api.AdminJson;
import dev.ferry.admin.api.ErrorResponse;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

/**
 * Aggregates request bodies up to the limit. Netty's own 413 is empty and written past the
 * handlers after it; here an oversized request is instead passed on as an {@link OversizedRequest},
 * so the admin handler answers it in order, in JSON, with a message that says what to do. The
 * aggregator then discards the rest of that body, so the connection stays usable.
 */
final class BodyLimitAggregator extends HttpObjectAggregator {

    BodyLimitAggregator(int maxBodyBytes) {
        super(maxBodyBytes);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        ctx.fireChannelRead(
                new OversizedRequest(oversized.protocolVersion(), HttpUtil.isKeepAlive(oversized), maxContentLength()));
    }

    /** {@code Expect: 100-continue} with a too large Content-Length: answered here, before any body is sent. */
    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object response = super.newContinueResponse(start, maxContentLength, pipeline);
        if (response instanceof HttpResponse r && r.status().equals(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE)) {
            ReferenceCountUtil.release(response);
            byte[] body = AdminJson.toBytes(new ErrorResponse(OversizedRequest.message(maxContentLength)));
            FullHttpResponse json = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.wrappedBuffer(body));
            json.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, AdminResponse.JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            return json;
        }
        return response;
    }
}
