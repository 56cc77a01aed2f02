import Foundation

/// Reads a file front to back in bounded pieces: the image parsers never hold more than one
/// segment (at most 64 KB for JPEG, one chunk's header for PNG and WebP) plus the buffer.
final class FileReader {
    private let handle: FileHandle
    private var buffer = Data()
    private static let bufferSize = 64 * 1024

    /// Whether the file has been read to its end.
    var isAtEnd: Bool { fill(1) == false }

    /// A reader of the file at `url`.
    init(_ url: URL) throws { handle = try FileHandle(forReadingFrom: url) }

    deinit { try? handle.close() }

    /// Exactly `count` bytes, or ``ImageFormatError/truncated`` at the end of the file.
    func read(_ count: Int) throws -> Data {
        guard fill(count) else { throw ImageFormatError.truncated }
        defer { buffer.removeFirst(count) }
        return Data(buffer.prefix(count))
    }

    /// The next `count` bytes, or fewer at the end of the file (none there).
    func readUpTo(_ count: Int) throws -> Data {
        _ = fill(count)
        let piece = Data(buffer.prefix(count))
        buffer.removeFirst(piece.count)
        return piece
    }

    /// One byte.
    func byte() throws -> UInt8 { try read(1).first! }

    /// Passes `count` bytes to `sink` (nil: skips them) without holding more than the buffer.
    func copy(_ count: Int, to sink: FileWriter?) throws {
        var left = count
        while left > 0 {
            guard fill(1) else { throw ImageFormatError.truncated }
            let piece = buffer.prefix(left)
            try sink?.write(piece)
            buffer.removeFirst(piece.count)
            left -= piece.count
        }
    }

    /// Passes the rest of the file to `sink`.
    func copyToEnd(to sink: FileWriter?) throws {
        while fill(1) {
            try sink?.write(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// Makes `count` bytes available; false at the end of the file.
    private func fill(_ count: Int) -> Bool {
        while buffer.count < count {
            guard let more = try? handle.read(upToCount: max(Self.bufferSize, count - buffer.count)), !more.isEmpty else { return false }
            buffer.append(more)
        }
        return true
    }
}

/// Appends to a new file; ``finish()`` flushes it to disk (`fsync`) before the caller renames it.
final class FileWriter: @unchecked Sendable {  // one task at a time: the upload that made it
    private let handle: FileHandle
    /// Bytes written so far.
    private(set) var count = 0
    private var isClosed = false

    /// Creates (or truncates) the file at `url`.
    init(_ url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path])
        }
        handle = try FileHandle(forUpdating: url)
    }

    deinit { if !isClosed { try? handle.close() } }

    /// Appends `data`.
    func write(_ data: some DataProtocol) throws {
        try handle.write(contentsOf: data)
        count += data.count
    }

    /// Overwrites bytes at `offset` (a size field written before it was known) and returns to the end.
    func patch(_ data: Data, at offset: UInt64) throws {
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: data)
        try handle.seekToEnd()
    }

    /// Flushes the file to stable storage and closes it.
    func finish() throws {
        try handle.synchronize()
        isClosed = true
        try handle.close()
    }
}
