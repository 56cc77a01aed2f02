import Foundation
import PluginAPI
import SanctumServices

extension HostEnvironment {
    /// The optional `metadata` member of a message or reply body: hints for the plugins' hooks,
    /// checked by ``ClientMetadataRules`` (a bad shape or size is a JSON 400 `Invalid metadata: …`).
    func clientMetadata(_ body: [String: JSON]) throws -> MessageMetadata {
        do { return try ClientMetadataRules.hints(body["metadata"]) } catch { throw APIError(error) }
    }
}
