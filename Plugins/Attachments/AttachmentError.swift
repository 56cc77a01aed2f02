import Foundation
import PluginAPI

/// A refusal with a stable `error_code` the widget translates (`localization_key`), answered as
/// `{"success": false, "error": <English>, "error_code": <code>, "localization_key": <key>}`.
public struct AttachmentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status.
    public var status: Int
    /// The stable code, `attachment.<reason>`.
    public var code: String
    /// English text for logs and API clients.
    public var message: String

    /// The widget's text key: `error.attachment_<reason>`.
    public var localizationKey: String { "error.attachment_" + code.dropFirst("attachment.".count) }

    /// One line for logs.
    public var description: String { "\(code): \(message)" }

    /// The JSON answer.
    var response: PluginResponse {
        let body = ["success": false, "error": message, "error_code": code, "localization_key": localizationKey] as [String: any Sendable]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        return PluginResponse(status: status, headers: ["content-type": "application/json"], body: data)
    }

    static func tooLarge(_ limit: Int) -> Self { Self(status: 413, code: "attachment.too_large", message: "The file is larger than \(limit) bytes") }
    static func dailyLimit(_ limit: Int) -> Self {
        Self(status: 429, code: "attachment.daily_limit", message: "This conversation has reached its \(limit) files for today")
    }
    static func typeNotAllowed(_ type: String) -> Self { Self(status: 415, code: "attachment.type_not_allowed", message: "Files of type \(type) are not accepted") }
    static let typeMismatch = Self(status: 415, code: "attachment.type_mismatch",
                                   message: "The file's content does not match its declared type or extension")
    static let unreadableImage = Self(status: 415, code: "attachment.unreadable_image", message: "The image could not be read")
    static let infected = Self(status: 422, code: "attachment.infected", message: "The file was refused by the malware scanner")
    static let scannerUnavailable = Self(status: 503, code: "attachment.scanner_unavailable",
                                         message: "Files cannot be checked right now; try again later")
    static func invalidRequest(_ what: String) -> Self { Self(status: 400, code: "attachment.invalid_request", message: what) }
    static let notFound = Self(status: 404, code: "attachment.not_found", message: "No such attachment")
    static let linkExpired = Self(status: 403, code: "attachment.link_expired", message: "This download link has expired")
    static let invalidLink = Self(status: 403, code: "attachment.invalid_link", message: "This download link is not valid")
    static let rangeNotSatisfiable = Self(status: 416, code: "attachment.range_not_satisfiable", message: "The requested range is not in the file")
    static func tooManyFiles(_ limit: Int) -> Self {
        Self(status: 400, code: "attachment.too_many_files", message: "A message may carry at most \(limit) attachments")
    }
}
