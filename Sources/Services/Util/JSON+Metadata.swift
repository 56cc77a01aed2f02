import Foundation
import PluginAPI

/// Conversions between the wire's ``JSON`` and the plugins' ``PluginJSON`` / ``MessageMetadata``.
extension JSON {
    /// The wire form of a plugin value: integral numbers up to 2⁵³ as integers (`3`, not `3.0`).
    public init(_ value: PluginJSON) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let d): self = Self.isExactInteger(d) ? .int(Int64(d)) : .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map(JSON.init))
        case .object(let o): self = .object(o.mapValues(JSON.init))
        }
    }

    /// The stored and wire form of metadata: an object of namespaces, `nil` when it is empty (so
    /// answers for messages without metadata stay exactly as they were).
    public init?(metadata: MessageMetadata) {
        let namespaces = metadata.namespaces.filter { !$0.value.isEmpty }
        guard !namespaces.isEmpty else { return nil }
        self = .object(namespaces.mapValues { .object($0.mapValues(JSON.init)) })
    }

    /// `[("metadata", metadata)]` when there is metadata, else nothing: the member to append to
    /// an answer's object so answers without metadata stay byte-identical.
    public static func metadataField(_ metadata: JSON?) -> [(String, JSON)] {
        metadata.map { [("metadata", $0)] } ?? []
    }

    /// This value for a plugin (numbers become doubles).
    public var pluginJSON: PluginJSON {
        switch self {
        case .null: .null
        case .bool(let b): .bool(b)
        case .int(let i): .number(Double(i))
        case .double(let d): .number(d)
        case .string(let s): .string(s)
        case .array(let a): .array(a.map(\.pluginJSON))
        case .object, .fields: .object((members ?? [:]).mapValues(\.pluginJSON))
        }
    }

    /// Metadata from its stored form, an object of objects; `nil` for any other shape.
    public var messageMetadata: MessageMetadata? {
        guard let namespaces = members else { return nil }
        var result: [String: [String: PluginJSON]] = [:]
        for (namespace, value) in namespaces {
            guard let membersOfNamespace = value.members else { return nil }
            result[namespace] = membersOfNamespace.mapValues(\.pluginJSON)
        }
        return MessageMetadata(result)
    }

    /// Whether `d` is an integer that a double holds exactly (|d| ≤ 2⁵³).
    private static func isExactInteger(_ d: Double) -> Bool {
        d.isFinite && d == d.rounded() && abs(d) <= 9_007_199_254_740_992
    }

    /// The compact text a store keeps in a `metadata` column (the wire serialisation without
    /// its trailing newline).
    public var storedMetadataText: String { compactText }
}
