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
    /// Where a streamed body comes from.
    var chunks: RequestBodyChunks?

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
            return PluginRouteInput(stream: limit.stream { try await chunks.next() }, limit: limit, chunks: chunks)
        }
    }

    /// The refusal to answer instead of the handler's answer when a streamed body passed its cap.
    var overflow: StreamedBodyRefusal? {
        guard let limit, limit.wasExceeded else { return nil }
        return StreamedBodyRefusal(limit: limit.maxBytes)
    }

    /// Whether the handler of a streamed route returned before reading its body to the end: the
    /// answer then closes the connection instead of the server reading the rest (gigabytes, maybe).
    var leftBodyUnread: Bool { chunks.map { !$0.reachedEnd } ?? false }
}

/// A streamed body over its route's cap: answered 413, and the rest of the body is never read.
struct StreamedBodyRefusal: Error {
    /// The route's cap, in bytes.
    let limit: Int

    /// The JSON 413, closing the connection.
    func response(closing channel: any Channel) -> Response {
        let error = APIError.bodyTooLarge(limit)
        var headers = error.headers
        headers[.contentType] = "application/json"
        return .closingConnection(status: error.status, headers: headers, body: ByteBuffer(bytes: error.body.serializedBytes), channel: channel)
    }
}

extension Response {
    /// An answer with `Connection: close` after which the connection is closed, so what is left
    /// of the request body is never read (the HTTP server would otherwise read it to its end).
    static func closingConnection(status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer, channel: any Channel) -> Response {
        var headers = headers
        headers[.connection] = "close"
        return Response(status: status, headers: headers, body: ResponseBody(contentLength: body.readableBytes) { writer in
            try await writer.write(body)
            try await writer.finish(nil)
            channel.close(promise: nil)
        })
    }
}

/// The chunks of a request body, for a ``PluginBodyStream``. `@unchecked Sendable`: only the
/// handler's one iterator calls ``next()``, one call at a time (an async iterator's contract).
final class RequestBodyChunks: @unchecked Sendable {
    private var iterator: RequestBody.AsyncIterator
    /// Whether ``next()`` returned the end of the body.
    private(set) var reachedEnd = false

    init(_ body: RequestBody) { iterator = body.makeAsyncIterator() }

    func next() async throws -> Data? {
        guard let chunk = try await iterator.next() else {
            reachedEnd = true
            return nil
        }
        return Data(buffer: chunk)
    }
}
