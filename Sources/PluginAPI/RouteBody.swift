import Foundation

/// How a plugin route takes its request body. Since PluginAPI 2.2.
public enum PluginRouteBody: Sendable, Hashable {
    /// Read in full by the host within the server's `limits.max_body_bytes` (413 above) and
    /// handed over as ``PluginRequest/body``. The default.
    case buffered
    /// Handed over unread, chunk by chunk, as ``PluginRequest/bodyStream`` (``PluginRequest/body``
    /// is empty): for uploads. A request whose `Content-Length` is over `maxBytes` is answered 413
    /// before the handler runs, without reading the body; a body that passes `maxBytes` while it
    /// streams makes the stream throw ``PluginBodyTooLarge`` and the host answers 413, whatever
    /// the handler returns. `maxBytes` may exceed `limits.max_body_bytes`.
    case streamed(maxBytes: Int)
}

/// A request body as it arrives: an `AsyncSequence` of `Data` chunks, iterated once. Since
/// PluginAPI 2.2.
///
/// Write each chunk where it goes (a file, a socket) instead of collecting them: memory then
/// stays bounded by the chunk size, whatever the upload's size.
public struct PluginBodyStream: AsyncSequence, Sendable {
    /// A chunk of the body (never empty).
    public typealias Element = Data

    private let source: (@Sendable () async throws -> Data?)?
    private let whole: Data

    /// A stream whose chunks `next` returns in turn (`nil` at the end). The host builds these;
    /// tests may too.
    public init(next: @escaping @Sendable () async throws -> Data?) {
        source = next
        whole = Data()
    }

    /// A stream of one chunk, `data` (no chunk when it is empty): a buffered body, or a test's.
    public init(_ data: Data) {
        source = nil
        whole = data
    }

    /// Reads the chunks one after the other.
    public struct AsyncIterator: AsyncIteratorProtocol {
        fileprivate let source: (@Sendable () async throws -> Data?)?
        fileprivate var pending: Data?

        /// The next non-empty chunk, or `nil` at the end of the body.
        public mutating func next() async throws -> Data? {
            guard let source else {
                defer { pending = nil }
                return pending
            }
            while let chunk = try await source() {
                if !chunk.isEmpty { return chunk }
            }
            return nil
        }
    }

    /// An iterator over the chunks.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(source: source, pending: whole.isEmpty ? nil : whole)
    }

    /// The whole body, when it is small enough to hold: throws ``PluginBodyTooLarge`` past `maxBytes`.
    public func collect(upTo maxBytes: Int) async throws -> Data {
        var data = Data()
        for try await chunk in self {
            guard data.count + chunk.count <= maxBytes else { throw PluginBodyTooLarge(limit: maxBytes) }
            data.append(chunk)
        }
        return data
    }
}

/// Thrown by a ``PluginBodyStream`` (and ``PluginBodyStream/collect(upTo:)``) when the body is
/// longer than its limit. From a route's stream the host answers `413` whatever the handler does
/// with it. Since PluginAPI 2.2.
public struct PluginBodyTooLarge: Error, Sendable, Hashable, CustomStringConvertible {
    /// The limit, in bytes.
    public var limit: Int

    /// The error for a body over `limit` bytes.
    public init(limit: Int) { self.limit = limit }

    /// `the request body is longer than <limit> bytes`.
    public var description: String { "the request body is longer than \(limit) bytes" }
}
