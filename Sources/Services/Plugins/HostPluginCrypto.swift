import Crypto
import Foundation
import PluginAPI

/// The ``PluginCrypto`` the server gives every plugin: swift-crypto's SHA-256 and HMAC, and the
/// system's secure random generator.
package struct HostPluginCrypto: PluginCrypto {
    /// The host's cryptography (stateless).
    package init() {}

    package func hmacSHA256(key: Data, message: Data) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    package func sha256(_ data: Data) -> Data {
        Data(SHA256.hash(data: data))
    }

    package func randomBytes(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<min(max(count, 0), 65_536)).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}
