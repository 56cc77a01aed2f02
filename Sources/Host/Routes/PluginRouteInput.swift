import Foundation
import Hummingbird
import NIOCore
import PluginAPI
import PluginDispatch
import SanctumServices

/// A plugin route's request body as its ``PluginRouteBody`` declares: read in full within the
/// server's limit, or handed to the handler unread as a capped ``PluginBodyStream``.
struct PluginRouteInput {
    /// The whole body (buffered routes; empty for streamed ones).
    var body = Data()
    /// The body as it arrives (streamed routes).
    var stream: PluginBodyStream?
    /// The cap of a streamed body, consulted after the handler.
    var limit: StreamedBodyLimit?

    /// Reads (or prepares to stream) `request`'s body for `route`. A streamed route whose
    /// `Content-Length` is over its cap is refused here with ``StreamedBodyRefusal``, before a
    /// byte of the body is read.
    static func read(_ request: inout Request, for route: PluginRoute, bufferedLimit: Int) async throws -> PluginRouteInput {
        switch route.body {
        case .buffered:
            return PluginRouteInput(body: Data(buffer: try await request.collectBody(limit: bufferedLimit)))
        case .streamed(let maxBytes):
            let limit = StreamedBodyLimit(maxBytes: maxBytes)
            if limit.refuses(declaredLength: request.headers[.contentLength]) { throw StreamedBodyRefusal(limit: maxBytes) }
            let chunks = RequestBodyChunks(request.body)
            return PluginRouteInput(stream: limit.stream { try await chunks.next() }, limit: limit)
        }
    }

    /// The refusal to answer instead of the handler's answer when a streamed body passed its cap.
    var overflow: StreamedBodyRefusal? {
        guard let limit, limit.wasExceeded else { return nil }
        return StreamedBodyRefusal(limit: limit.maxBytes)
    }
}

/// A streamed body over its route's cap: answered 413, and the rest of the body is never read.
struct StreamedBodyRefusal: Error {
    /// The route's cap, in bytes.
    let limit: Int

    /// The JSON 413 (`Connection: close`); once it is written the connection is closed, so what
    /// is left of the body is never read (the HTTP server would otherwise read it to its end).
    func response(closing channel: any Channel) -> Response {
        let error = APIError.bodyTooLarge(limit)
        let bytes = ByteBuffer(bytes: error.body.serializedBytes)
        var headers = error.headers
        headers[.contentType] = "application/json"
        headers[.connection] = "close"
        return Response(status: error.status, headers: headers, body: ResponseBody(contentLength: bytes.readableBytes) { writer in
            try await writer.write(bytes)
            try await writer.finish(nil)
            channel.close(promise: nil)
        })
    }
}

/// The chunks of a request body, for a ``PluginBodyStream``. `@unchecked Sendable`: only the
/// handler's one iterator calls ``next()``, one call at a time (an async iterator's contract).
private final class RequestBodyChunks: @unchecked Sendable {
    private var iterator: RequestBody.AsyncIterator

    init(_ body: RequestBody) { iterator = body.makeAsyncIterator() }

    func next() async throws -> Data? {
        try await iterator.next().map { Data(buffer: $0) }
    }
}
