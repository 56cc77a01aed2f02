import Foundation
import PluginAPI

/// The rules for a request's optional `metadata` field: the client's hints to the plugins (for
/// example `{"i18n": {"language": "de"}}`), an object of objects keyed by namespace, at most
/// ``MessageMetadata/maximumSize`` bytes. Hooks read them as ``MessageDraft/clientMetadata``;
/// they are never stored, so a client cannot forge what a plugin attached.
public enum ClientMetadataRules {
    /// The hints of a request body's `metadata` member (absent or `null`: none); anything else
    /// than an object of objects, an empty namespace name, or more than the size limit is
    /// refused with HTTP 400 `Invalid metadata: …`.
    public static func hints(_ raw: JSON?) throws(ServiceError) -> MessageMetadata {
        guard let raw, raw != .null else { return MessageMetadata() }
        guard let metadata = raw.messageMetadata, !metadata.namespaces.keys.contains("") else {
            throw ServiceError(.invalidInput, "Invalid metadata: expected an object of objects keyed by namespace")
        }
        guard metadata.encodedSize <= MessageMetadata.maximumSize else {
            throw ServiceError(.invalidInput, "Invalid metadata: larger than \(MessageMetadata.maximumSize) bytes")
        }
        return metadata
    }
}
