import Foundation
import NIOCore
import NIOPosix

/// A tiny clamd on a Unix socket, for the socket client's tests: it answers `zINSTREAM\0`
/// followed by length-prefixed chunks and a zero-length chunk with `stream: OK\0`, or
/// `stream: Eicar-Test-Signature FOUND\0` when the data contains `EICAR`, then closes. A
/// connection that never sends the zero-length chunk gets no answer.
enum InstreamServer {
    /// Runs the server at a fresh socket path for the duration of `body`.
    static func run<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("clamd-\(UUID().uuidString.prefix(8)).sock").path
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await server.executeThenClose { connections in
                    try await withThrowingTaskGroup(of: Void.self) { connectionsGroup in
                        for try await connection in connections {
                            connectionsGroup.addTask { try? await serve(connection) }
                        }
                    }
                }
            }
            defer { group.cancelAll() }
            let result = try await body(path)
            try? FileManager.default.removeItem(atPath: path)
            return result
        }
    }

    private static func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var received = ByteBuffer()
            for try await var chunk in inbound {
                received.writeBuffer(&chunk)
                if let verdict = verdict(received) {
                    try await outbound.write(ByteBuffer(string: verdict))
                    return
                }
            }
        }
    }

    /// The answer once the stream is complete, `nil` while it is not.
    private static func verdict(_ buffer: ByteBuffer) -> String? {
        var buffer = buffer
        guard buffer.readableBytes >= 10 else { return nil }
        guard buffer.readString(length: 10) == "zINSTREAM\0" else { return "UNKNOWN COMMAND\0" }
        var data = Data()
        while let length = buffer.readInteger(endianness: .big, as: UInt32.self) {
            if length == 0 { return data.range(of: Data("EICAR".utf8)) == nil ? "stream: OK\0" : "stream: Eicar-Test-Signature FOUND\0" }
            guard let bytes = buffer.readBytes(length: Int(length)) else { return nil }
            data.append(contentsOf: bytes)
        }
        return nil
    }
}
