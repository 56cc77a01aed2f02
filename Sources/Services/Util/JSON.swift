import Foundation

/// A JSON value as the bridge API sees it: Python's data model, serialised the way Flask does
/// (keys sorted, ASCII-only with `\uXXXX` escapes, compact separators, trailing newline).
public enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])
    /// An object whose members are already in key order (built by the server for hot answers:
    /// no hashing, no sorting). Serialises exactly like the equivalent ``object``.
    case fields([(String, JSON)])

    /// Python truthiness: `{}`, `[]`, `null`, `""`, `0`, `0.0` and `false` are falsy.
    public var isTruthy: Bool {
        switch self {
        case .null: false
        case .bool(let b): b
        case .int(let i): i != 0
        case .double(let d): d != 0
        case .string(let s): !s.isEmpty
        case .array(let a): !a.isEmpty
        case .object(let o): !o.isEmpty
        case .fields(let f): !f.isEmpty
        }
    }

    /// The member `key` of an object, or `nil` for a missing key or a non-object.
    public subscript(key: String) -> JSON? {
        switch self {
        case .object(let o): o[key]
        case .fields(let f): f.first { $0.0 == key }?.1
        default: nil
        }
    }

    /// An object from members given in any order (sorted once here).
    public static func sorted(_ members: [(String, JSON)]) -> JSON {
        .fields(members.sorted { $0.0 < $1.0 })
    }

    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.int(let x), .int(let y)): x == y
        case (.double(let x), .double(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object, _), (.fields, _): a.members == b.members
        default: false
        }
    }

    /// The members of an object, whichever form it has (`nil` for other values).
    package var members: [String: JSON]? {
        switch self {
        case .object(let o): o
        case .fields(let f): Dictionary(f, uniquingKeysWith: { _, last in last })
        default: nil
        }
    }

    /// The string payload, or `nil` when this is not a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Parses `bytes` as one JSON document; `nil` when it is not valid JSON.
    public static func parse(_ bytes: some Collection<UInt8>) -> JSON? {
        JSONParser.parse(Array(bytes))
    }

    /// The compact, sorted, ASCII-only serialisation followed by a newline, as Flask sends it.
    public var serialized: String { String(decoding: serializedBytes, as: UTF8.self) }

    /// ``serialized`` without its trailing newline: what stores keep and stream frames carry.
    public var compactText: String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// ``serialized`` as UTF-8 bytes (what responses send; no intermediate string).
    public var serializedBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out)
        out.append(0x0A)
        return out
    }

    private func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d): out.append(contentsOf: JSON.pythonFloat(d).utf8)
        case .string(let s): JSON.writeString(s, to: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                v.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (i, key) in o.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSON.writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                o[key]!.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .fields(let f):
            out.append(UInt8(ascii: "{"))
            for (i, member) in f.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSON.writeString(member.0, to: &out)
                out.append(UInt8(ascii: ":"))
                member.1.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func pythonFloat(_ d: Double) -> String {
        // Python would write NaN/Infinity, which JSON.parse rejects: never emit invalid JSON.
        if !d.isFinite { return "null" }
        if d == d.rounded(), abs(d) < 1e16 { return String(format: "%.1f", d) }
        return "\(d)"
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// A JSON string literal; printable ASCII is copied as is, everything else escaped.
    private static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let utf8 = s.utf8
        let plain = utf8.withContiguousStorageIfAvailable { bytes in
            bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }
        }
        if plain == true {
            out.append(contentsOf: utf8)
        } else {
            for unit in s.utf16 {
                switch unit {
                case 0x22: out.append(contentsOf: [0x5C, 0x22])
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
                case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
                case 0x20..<0x7F: out.append(UInt8(unit))
                default:
                    out.append(contentsOf: [0x5C, UInt8(ascii: "u")])
                    for shift in [12, 8, 4, 0] { out.append(hex[Int((unit >> UInt16(shift)) & 0xF)]) }
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral, ExpressibleByFloatLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
}

extension JSON {
    /// A string, or `null` for `nil`.
    public static func optional(_ s: String?) -> JSON { s.map(JSON.string) ?? .null }
    /// An integer, or `null` for `nil`.
    public static func optional(_ i: Int64?) -> JSON { i.map(JSON.int) ?? .null }
}
