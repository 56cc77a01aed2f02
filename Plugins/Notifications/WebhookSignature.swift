import Foundation
import PluginAPI

/// The `Sanctum-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
/// Receivers recompute the HMAC over the timestamp, a dot and the body bytes as received,
/// compare in constant time, and refuse timestamps older than a few minutes (replays).
struct WebhookSignature {
    let crypto: any PluginCrypto

    /// The header value for `body` signed with `secret` at `time`.
    func header(body: Data, secret: String, at time: Date) throws -> String {
        let timestamp = Int64(time.timeIntervalSince1970.rounded(.down))
        let mac = try crypto.hmacSHA256(key: Data(secret.utf8), message: Data("\(timestamp).".utf8) + body)
        return "t=\(timestamp),v1=\(mac.lowercaseHex)"
    }
}
