import Foundation
import Logging
import SanctumServices
import Synchronization

/// One JSON object per line on standard error (`LOG_FORMAT=json`), for log collectors:
/// `{"time":…,"level":…,"label":…,"message":…,"source":…,"metadata":{…}}`. Keys are sorted
/// and every line is complete; a message with a newline stays on one line.
public struct JSONLogHandler: LogHandler {
    /// The logger's label.
    public let label: String
    /// The lowest level written.
    public var logLevel: Logger.Level = .info
    /// Metadata added to every line of this logger.
    public var metadata: Logger.Metadata = [:]
    /// Adds metadata from the task context (swift-log's provider).
    public var metadataProvider: Logger.MetadataProvider?
    private let write: @Sendable ([UInt8]) -> Void

    /// A handler labelled `label` writing to standard error (or to `write`, for tests).
    public init(label: String, write: @escaping @Sendable ([UInt8]) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.write = write
    }

    /// Writes one line to standard error, whole (under a lock, so lines never interleave).
    public static let standardError: @Sendable ([UInt8]) -> Void = { line in
        errorLock.withLock { _ in
            line.withUnsafeBufferPointer { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Foundation.write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
    }
    private static let errorLock = Mutex(())

    /// Writes `event` as one JSON line.
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let own = event.metadata { merged.merge(own) { $1 } }
        var fields: [(String, JSON)] = [
            ("time", .string(Timestamps.iso(Date()))),
            ("level", .string(event.level.rawValue)),
            ("label", .string(label)),
            ("message", .string("\(event.message)")),
            ("source", .string(event.source)),
        ]
        if !merged.isEmpty { fields.append(("metadata", .object(merged.mapValues(Self.json)))) }
        write(JSON.sorted(fields).serializedBytes)
    }

    /// Metadata of this logger by key.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSON {
        switch value {
        case .string(let s): .string(s)
        case .stringConvertible(let c): .string(c.description)
        case .array(let a): .array(a.map(json))
        case .dictionary(let d): .object(d.mapValues(json))
        }
    }
}
