import Foundation
import PluginAPI

/// The size cap of a streamed route body (``PluginRouteBody/streamed(maxBytes:)``), shared by the
/// server and `PluginTesting` so both answer the same 413 at the same byte.
///
/// ``refuses(declaredLength:)`` decides from `Content-Length` before anything is read; a body
/// without one (chunked) is counted as it streams by ``stream(_:)``, which throws
/// ``PluginBodyTooLarge`` at the chunk that passes the cap and never asks the source for more.
/// After the handler, ``wasExceeded`` tells the caller to answer 413 whatever the handler returned.
public final class StreamedBodyLimit: Sendable {
    /// The cap, in bytes.
    public let maxBytes: Int
    private let state = Locked((received: 0, exceeded: false))

    /// A cap of `maxBytes` for one request.
    public init(maxBytes: Int) { self.maxBytes = maxBytes }

    /// Whether a `Content-Length` header value is over the cap (an unparsable one is left to the
    /// HTTP layer, which refuses it before routing).
    public func refuses(declaredLength: String?) -> Bool {
        guard let declaredLength, let length = Int(declaredLength.trimmingCharacters(in: .whitespaces)) else { return false }
        return length > maxBytes
    }

    /// Whether the body passed the cap while it streamed.
    public var wasExceeded: Bool { state.withLock { $0.exceeded } }

    /// The body the handler reads: `next`'s chunks while their total stays within the cap.
    public func stream(_ next: @escaping @Sendable () async throws -> Data?) -> PluginBodyStream {
        PluginBodyStream { [self] in
            guard !wasExceeded, let chunk = try await next() else {
                if wasExceeded { throw PluginBodyTooLarge(limit: maxBytes) }
                return nil
            }
            let over = state.withLock { state in
                state.received += chunk.count
                if state.received > maxBytes { state.exceeded = true }
                return state.exceeded
            }
            if over { throw PluginBodyTooLarge(limit: maxBytes) }
            return chunk
        }
    }

    /// The answer's `error` text, the same as for a buffered body over `limits.max_body_bytes`.
    public var message: String { "Request body too large (limit \(maxBytes) bytes)" }
}
