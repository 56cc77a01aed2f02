import Foundation
import PluginAPI

/// Answers `GET /file`: agents and the operator with their key, browsers with a signed link
/// that has not expired. Every answer is `nosniff` and sandboxed; everything but images is a
/// download (`Content-Disposition: attachment`); `Range: bytes=…` gets `206`.
struct DownloadService: Sendable {
    let library: AttachmentLibrary
    let links: AttachmentLinks
    let clock: @Sendable () -> Date

    /// The largest body one answer holds (plugin answers are buffered): a request without `Range`
    /// for a larger file gets its first part as `206`, and clients continue with `Range`.
    static let maxAnswerBytes = 16 << 20

    func download(_ request: PluginRequest) async throws -> PluginResponse {
        let id = request.query["id"] ?? ""
        guard let record = try await library.record(id) else { throw AttachmentError.notFound }
        switch request.caller {
        case .admin: break
        case .agent: guard record.siteID == request.site.id else { throw AttachmentError.notFound }
        default:
            // The signature covers the attachment's site, so a valid link needs no `widget_key`
            // of that site (the console's links, asked with an agent or the admin key, have none).
            switch links.signer.check(id: id, site: record.siteID, expires: request.query["expires"],
                                      signature: request.query["signature"], now: clock()) {
            case .valid: break
            case .expired: throw AttachmentError.linkExpired
            case .invalid: throw AttachmentError.invalidLink
            }
        }
        guard let info = try await library.blobs.info(record.digest) else {
            throw AttachmentError.notFound
        }
        var headers = Self.headers(for: record)
        headers["content-type"] = record.type.rawValue
        headers["etag"] = "\"\(record.digest)\""
        headers["cache-control"] = request.caller == .visitor ? "private, max-age=300" : "private, no-cache"
        let range: Range<Int>
        var status = 200
        if let header = request.headers["range"] {
            guard let requested = Self.byteRange(header, size: info.size) else {
                return PluginResponse(status: 416, headers: ["content-range": "bytes */\(info.size)", "content-type": "application/json"],
                                      body: AttachmentError.rangeNotSatisfiable.response.body)
            }
            range = requested.lowerBound..<min(requested.upperBound, requested.lowerBound + Self.maxAnswerBytes)
            status = 206
        } else if info.size > Self.maxAnswerBytes {
            range = 0..<Self.maxAnswerBytes
            status = 206
        } else {
            range = 0..<info.size
        }
        if status == 206 { headers["content-range"] = "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(info.size)" }
        let body = try await library.blobs.read(record.digest, range: range)
        return PluginResponse(status: status, headers: headers, body: body)
    }

    /// The safety and disposition headers of every answer about `record`.
    static func headers(for record: AttachmentRecord) -> [String: String] {
        let fallback = String(record.name.unicodeScalars.map { $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 0x20 ? Character($0) : "_" })
        let encoded = record.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? fallback
        let disposition = record.type.isImage ? "inline" : "attachment"
        return ["x-content-type-options": "nosniff", "content-security-policy": "sandbox", "accept-ranges": "bytes",
                "content-disposition": "\(disposition); filename=\"\(fallback)\"; filename*=UTF-8''\(encoded)"]
    }

    /// The range of one `bytes=` range (`a-b`, `a-`, `-n`) within `size`, or `nil` when it is not
    /// satisfiable or not understood (several ranges are answered with the first).
    static func byteRange(_ header: String, size: Int) -> Range<Int>? {
        guard header.lowercased().hasPrefix("bytes="), size > 0 else { return nil }
        let first = header.dropFirst("bytes=".count).split(separator: ",").first?.trimmingCharacters(in: .whitespaces) ?? ""
        let parts = first.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else { return nil }
        if parts[0].isEmpty {
            guard let suffix = Int(parts[1]), suffix > 0 else { return nil }
            return max(0, size - suffix)..<size
        }
        guard let start = Int(parts[0]), start >= 0, start < size else { return nil }
        if parts[1].isEmpty { return start..<size }
        guard let end = Int(parts[1]), end >= start else { return nil }
        return start..<min(end + 1, size)
    }
}
