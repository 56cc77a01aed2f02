import Foundation
import NIOCore
import NIOFoundationCompat
import PluginAPI
import Synchronization

/// One open connection as a ``PluginSocket``: writes go to the channel, reads come from its
/// inbound stream, bytes beyond a read's limit wait for the next read. A read that waits longer
/// than the read timeout fails the stream and closes the connection.
final class NIOPluginSocket: PluginSocket {
    private let channel: any Channel
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let readTimeout: Duration
    private var leftover = ByteBuffer()

    init(channel: any Channel, inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
         outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, readTimeout: Duration) {
        self.channel = channel
        self.inbound = inbound
        self.outbound = outbound
        self.readTimeout = readTimeout
    }

    func write(_ data: Data) async throws {
        do {
            try await outbound.write(ByteBuffer(data: data))
        } catch {
            throw PluginSocketError.connectionFailed("write: \(error)")
        }
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

    /// The next chunk from the peer (`nil` at the end of the stream), within the read timeout.
    private func nextChunk() async throws -> ByteBuffer? {
        let timedOut = TimeoutFlag()
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(readTimeout)) { [channel] in
            timedOut.set()
            channel.pipeline.fireErrorCaught(PluginSocketError.timeout(.zero))
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            while let chunk = try await inbound.next() {
                if chunk.readableBytes > 0 { return chunk }
            }
            if timedOut.isSet { throw PluginSocketError.timeout(readTimeout) }
            return nil
        } catch {
            if timedOut.isSet { throw PluginSocketError.timeout(readTimeout) }
            throw PluginSocketError.connectionFailed("read: \(error)")
        }
    }
}

/// Set once by the read timer.
private final class TimeoutFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
