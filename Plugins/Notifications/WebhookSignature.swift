import Foundation
import PluginAPI

/// The `Sanctum-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
/// Receivers recompute the HMAC over the timestamp, a dot and the body bytes as received,
/// compare in constant time, and refuse timestamps older than a few minutes (replays). During a
/// secret rotation the header carries one `v1=` per signing secret (the new one first), as
/// Stripe does: a receiver accepts the delivery when any of them matches its secret.
struct WebhookSignature {
    let crypto: any PluginCrypto

    /// The header value for `body` signed with `secret` at `time`.
    func header(body: Data, secret: String, at time: Date) throws -> String {
        try header(body: body, secrets: [secret], at: time)
    }

    /// The header value for `body` signed with each of `secrets`, in order, at `time`.
    func header(body: Data, secrets: [String], at time: Date) throws -> String {
        let timestamp = Int64(time.timeIntervalSince1970.rounded(.down))
        let signed = Data("\(timestamp).".utf8) + body
        let values = try secrets.map { "v1=" + (try crypto.hmacSHA256(key: Data($0.utf8), message: signed)).lowercaseHex }
        return (["t=\(timestamp)"] + values).joined(separator: ",")
    }
}
