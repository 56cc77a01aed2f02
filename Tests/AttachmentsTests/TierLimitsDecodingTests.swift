@testable import Attachments
import Foundation
import XCTest

/// Tier limits written in the config file's snake_case reach the plugin. The host renames
/// snake_case keys to the Swift spelling only where the encoded defaults have them; the entries
/// of `tiers` (an empty dictionary by default) have none, so they arrive as written — which is
/// why `tiers.free` was ignored for the default site while `default_limits` worked.
final class TierLimitsDecodingTests: XCTestCase {
    func testTierEntriesInSnakeCaseAreApplied() throws {
        let json = #"{"free": {"max_file_bytes": 2048, "files_per_conversation_per_day": 3, "allowed_types": ["image/png"]}}"#
        let tiers = try JSONDecoder().decode([String: Attachments.Limits].self, from: Data(json.utf8))
        var configuration = Attachments.Configuration()
        configuration.tiers = tiers
        XCTAssertEqual(configuration.limits(for: "free"),
                       Attachments.Limits(maxFileBytes: 2048, filesPerConversationPerDay: 3, allowedTypes: ["image/png"]))
        XCTAssertEqual(configuration.limits(for: "premium"), Attachments.Limits(), "a tier not listed gets the default limits")
        XCTAssertEqual(configuration.largestFile, Attachments.Limits().maxFileBytes)
    }

    func testTheSwiftSpellingAndLeftOutKeysStillWork() throws {
        let json = #"{"maxFileBytes": 1000}"#
        let limits = try JSONDecoder().decode(Attachments.Limits.self, from: Data(json.utf8))
        XCTAssertEqual(limits, Attachments.Limits(maxFileBytes: 1000), "the other keys keep their defaults")
        let encoded = try JSONEncoder().encode(Attachments.Limits(maxFileBytes: 7))
        XCTAssertEqual(try JSONDecoder().decode(Attachments.Limits.self, from: encoded), Attachments.Limits(maxFileBytes: 7),
                       "the encoded defaults the host lays the file over decode back")
    }
}
