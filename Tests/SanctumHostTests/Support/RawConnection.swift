import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A plain TCP connection to a test server, for bytes no HTTP client sends.
enum RawConnection {
    /// Sends `request` to `127.0.0.1:port` and returns everything the server sends until it
    /// closes the connection.
    static func exchange(port: Int, _ request: String) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: request))
            var received = ByteBuffer()
            for try await var chunk in inbound { received.writeBuffer(&chunk) }
            return String(buffer: received)
        }
    }
}

/// Every line logged through `logger`, for tests that read the log.
final class LogCapture: Sendable {
    private let captured = Mutex<[String]>([])

    /// A logger writing here, at `info` and above.
    var logger: Logger {
        var logger = Logger(label: "capture") { _ in Handler(capture: self) }
        logger.logLevel = .info
        return logger
    }

    /// The lines that contain `text`.
    func lines(containing text: String) -> [String] {
        captured.withLock { $0.filter { $0.contains(text) } }
    }

    fileprivate func append(_ line: String) {
        captured.withLock { $0.append(line) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        func log(event: LogEvent) {
            capture.append("\(event.level) \(event.message) \(event.metadata ?? [:])")
        }

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
    }
}
