import Foundation
import SanctumServices

/// The `metadata` column of messages and replies: compact JSON text, NULL when there is none
/// (every row written before schema version 5).
extension SQLValue {
    /// The column value for `metadata`.
    init(metadata: JSON?) {
        self = metadata.map { .text($0.storedMetadataText) } ?? .null
    }
}

extension Row {
    /// The `metadata` column at `index` parsed back (`nil` for NULL or text that is not JSON).
    func metadata(_ index: Int) -> JSON? {
        text(index).flatMap { JSON.parse(Array($0.utf8)) }
    }
}
