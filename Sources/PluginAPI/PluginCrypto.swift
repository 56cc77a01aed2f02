import Foundation

/// Hashes, message authentication codes and random bytes from the host's cryptography library,
/// for plugins (which import Foundation only) that sign webhooks or verify signatures. Since
/// PluginAPI 2.3.
///
/// The server implements it with swift-crypto; `PluginTesting`'s `MockHost` with a small
/// pure-Swift SHA-256 giving the same bytes. No capability is needed: it reaches nothing outside
/// the process. Only a host written for an older PluginAPI (a test double) throws
/// ``PluginCryptoUnavailable`` from every call.
public protocol PluginCrypto: Sendable {
    /// The 32-byte HMAC-SHA256 of `message` under `key` (RFC 2104).
    func hmacSHA256(key: Data, message: Data) throws -> Data
    /// The 32-byte SHA-256 digest of `data`.
    func sha256(_ data: Data) throws -> Data
    /// `count` bytes from a cryptographically secure generator (`count` is clamped to 0…65,536).
    func randomBytes(_ count: Int) throws -> Data
}

/// Thrown by every call of the ``PluginHost/crypto`` of a host written before PluginAPI 2.3.
public struct PluginCryptoUnavailable: Error, Sendable, CustomStringConvertible {
    /// An error saying that this host offers no cryptography.
    public init() {}

    /// Why the call failed.
    public var description: String { "this host does not offer cryptography (PluginAPI 2.3)" }
}

extension Data {
    /// The bytes as lowercase hexadecimal digits (`"0a1b…"`), as signatures are usually written.
    public var lowercaseHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(count * 2)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
