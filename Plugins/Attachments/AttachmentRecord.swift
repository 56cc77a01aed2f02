import Foundation
import PluginAPI

/// One uploaded file as a conversation sees it: the stored blob plus its name, type and owner.
/// Several records may share a blob (the same content uploaded twice).
public struct AttachmentRecord: Codable, Sendable, Equatable {
    /// Random id (32 hex digits): what messages reference and links name.
    public var id: String
    /// The blob's SHA-256 (of the stored, stripped bytes).
    public var digest: String
    /// The file name as uploaded, without any path.
    public var name: String
    /// The real type.
    public var type: FileType
    /// Stored bytes.
    public var size: Int
    /// Pixels, for images.
    public var width: Int?
    /// Pixels, for images.
    public var height: Int?
    /// The site it belongs to.
    public var siteID: String
    /// The conversation it belongs to.
    public var sessionID: String
    /// Who uploaded it (`visitor` or `agent`).
    public var uploadedBy: String
    /// When it was stored.
    public var createdAt: Date
    /// `clean`, `skipped` (scanner down, failing open) or `off` (no scanner configured).
    public var scan: String

    /// The members a message's metadata carries for it (`url`: the agent's keyed link).
    func metadata(url: String) -> PluginJSON {
        var members: [String: PluginJSON] = ["id": .string(id), "name": .string(name), "type": .string(type.rawValue),
                                             "size": .number(Double(size)), "url": .string(url)]
        if let width, let height {
            members["width"] = .number(Double(width))
            members["height"] = .number(Double(height))
        }
        return .object(members)
    }

    /// The JSON an upload answers with.
    var summary: Summary { Summary(id: id, name: name, type: type.rawValue, size: size, width: width, height: height, scan: scan) }

    /// An attachment as routes show it.
    struct Summary: Codable, Equatable {
        var id: String
        var name: String
        var type: String
        var size: Int
        var width: Int?
        var height: Int?
        var scan: String
    }
}
