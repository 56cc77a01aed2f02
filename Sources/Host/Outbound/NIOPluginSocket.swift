import Foundation
import NIOCore
import NIOFoundationCompat
import PluginAPI
import Synchronization

/// One open connection as a ``PluginSocket``: writes go to the channel, reads come from its
/// inbound stream, bytes beyond a read's limit wait for the next read. A read that waits longer
/// than the timeout (``PluginSocketTimeouts/read``), or a write the peer does not take within it,
/// fails the stream and closes the connection.
final class NIOPluginSocket: PluginSocket {
    private let channel: any Channel
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let timeout: Duration
    private var leftover = ByteBuffer()

    init(channel: any Channel, inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
         outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, timeout: Duration) {
        self.channel = channel
        self.inbound = inbound
        self.outbound = outbound
        self.timeout = timeout
    }

    func write(_ data: Data) async throws {
        try await withinTimeout("write") { try await outbound.write(ByteBuffer(data: data)) }
    }

    func read(upTo maxBytes: Int) async throws -> Data {
        guard maxBytes > 0 else { return Data() }
        if leftover.readableBytes == 0 {
            guard let chunk = try await nextChunk() else { return Data() }
            leftover = chunk
        }
        return Data(leftover.readBytes(length: min(maxBytes, leftover.readableBytes)) ?? [])
    }

    func readToEnd(maxBytes: Int) async throws -> Data {
        var received = Data(leftover.readBytes(length: leftover.readableBytes) ?? [])
        guard received.count <= maxBytes else { throw PluginSocketError.tooLarge(limit: maxBytes) }
        while let chunk = try await nextChunk() {
            guard received.count + chunk.readableBytes <= maxBytes else { throw PluginSocketError.tooLarge(limit: maxBytes) }
            received.append(contentsOf: chunk.readableBytesView)
        }
        return received
    }

    /// The next chunk from the peer (`nil` at the end of the stream), within the timeout.
    private func nextChunk() async throws -> ByteBuffer? {
        try await withinTimeout("read") {
            while let chunk = try await inbound.next() {
                if chunk.readableBytes > 0 { return chunk }
            }
            return nil
        }
    }

    /// Runs `operation`; when it has not finished within the timeout, the connection is failed
    /// and closed (which ends the operation) and ``PluginSocketError/timeout(_:)`` thrown. Other
    /// failures are ``PluginSocketError/connectionFailed(_:)``.
    private func withinTimeout<T>(_ what: String, _ operation: () async throws -> T) async throws -> T {
        let timedOut = TimeoutFlag()
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) { [channel] in
            timedOut.set()
            channel.pipeline.fireErrorCaught(PluginSocketError.timeout(.zero))
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        let result: T
        do {
            result = try await operation()
        } catch {
            if timedOut.isSet { throw PluginSocketError.timeout(timeout) }
            throw PluginSocketError.connectionFailed("\(what): \(error)")
        }
        if timedOut.isSet { throw PluginSocketError.timeout(timeout) }
        return result
    }
}

/// Set once by the timeout timer.
private final class TimeoutFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
