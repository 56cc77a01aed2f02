import Foundation
import SanctumServices
import Hummingbird

/// Reading the JSON bodies of the bridge API: bounded, lenient where the original crashed.
extension Request {
    /// Whether the `Content-Type` is JSON (`application/json` or `application/*+json`), as
    /// Flask's `request.is_json` decides.
    var hasJSONContentType: Bool {
        guard let raw = headers[.contentType] else { return false }
        let type = (raw.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            .trimmingCharacters(in: .whitespaces).lowercased()
        return type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json"))
    }

    /// Collects at most `limit` bytes of body; a larger body is a 413 JSON error.
    mutating func collectBody(limit: Int) async throws(APIError) -> ByteBuffer {
        do {
            return try await collectBody(upTo: limit)
        } catch {
            throw APIError.bodyTooLarge(limit)
        }
    }

    /// The JSON body: 415 for a non-JSON content type, `Invalid JSON` for an empty or malformed
    /// body, `falsy` for a falsy document (`{}`, `[]`, `null`, …), `Invalid JSON` for a non-object.
    mutating func jsonObject(limit: Int, falsy: APIError) async throws(APIError) -> [String: JSON] {
        guard hasJSONContentType else { throw APIError.unsupportedMediaType }
        let buffer = try await collectBody(limit: limit)
        guard buffer.readableBytes > 0, let json = buffer.withUnsafeReadableBytes({ JSON.parse($0) }) else {
            throw APIError.invalidJSON
        }
        guard json.isTruthy else { throw falsy }
        guard case .object(let object) = json else { throw APIError.invalidJSON }
        return object
    }
}

extension HTTPFields {
    /// The key of an `Authorization: Bearer <key>` header (exactly `Bearer ` with one space, as the
    /// original; the rest untrimmed), or `nil` when the header is missing or has another scheme.
    var bearerKey: String? {
        guard let header = self[.authorization], header.hasPrefix("Bearer ") else { return nil }
        return String(header.dropFirst(7))
    }
}

extension Dictionary where Key == String, Value == JSON {
    /// The string member `key` ("" when missing or null, as Python's `.get(key, "")` gives for
    /// a missing key); any other type is `wrongType`.
    func string(_ key: String, wrongType: APIError) throws(APIError) -> String {
        switch self[key] {
        case nil, .null?: return ""
        case .string(let s)?: return s
        default: throw wrongType
        }
    }
}
