import Foundation

/// The links the plugin hands out: a keyed link for agents (never expires: the agent's key
/// authorises it) and a signed, expiring one for browsers.
struct AttachmentLinks: Sendable {
    /// Prefix of every link (`https://chat.example.com`, or empty for server-relative paths).
    let base: String
    let signer: LinkSigner

    /// `<base>/plugins/attachments/file?id=<id>`: fetched with an agent key (or the admin key).
    func agentURL(_ id: String) -> String { "\(base)/plugins/\(Attachments.descriptor.id)/file?id=\(id)" }

    /// The agent link plus `expires`, `signature` and the site's `widget_key` (so the request
    /// reaches the right site): valid for a browser until `now + lifetime`.
    func visitorURL(_ record: AttachmentRecord, widgetKey: String?, now: Date, lifetime: Int) -> String {
        let expires = Int(now.timeIntervalSince1970) + lifetime
        var url = agentURL(record.id) + "&expires=\(expires)&signature=\(signer.signature(id: record.id, site: record.siteID, expires: expires))"
        if let widgetKey, !widgetKey.isEmpty,
           let encoded = widgetKey.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) {
            url += "&widget_key=\(encoded)"
        }
        return url
    }
}
