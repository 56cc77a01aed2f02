import Foundation

/// Validation rules of the bridge API (BRIDGE-API.md §1.7), shared by every transport.
public enum BridgeRules {
    /// Longest visitor message, in code points.
    public static let maxMessageLength = 10_000

    /// `^session_[a-zA-Z0-9_]+$`, at most 64 characters.
    public static func isValidSessionID(_ id: String) -> Bool {
        let bytes = id.utf8
        guard bytes.count > 8, bytes.count <= 64, id.hasPrefix("session_") else { return false }
        return bytes.dropFirst(8).allSatisfy(isWordCharacter)
    }

    /// Optional idempotency key of `messages` and `outbox`: 1–64 characters of `[A-Za-z0-9_-]`.
    public static func isValidClientMessageID(_ id: String) -> Bool {
        let bytes = id.utf8
        return !bytes.isEmpty && bytes.count <= 64 && bytes.allSatisfy { isWordCharacter($0) || $0 == UInt8(ascii: "-") }
    }

    /// `[A-Za-z0-9_]`.
    private static func isWordCharacter(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95
    }

    /// A `since` cursor: normalised to DBTS when it parses, else compared raw (legacy).
    public static func cursor(_ raw: String?) -> String? {
        guard let raw, !raw.isEmpty else { return nil }
        return Timestamps.normalizeCursor(raw) ?? raw
    }
}
