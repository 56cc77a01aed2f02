import Foundation
import PluginAPI
import PluginTesting
import XCTest
@testable import SanctumServices

/// The server's `PluginHost.crypto` (swift-crypto) and the test kit's pure-Swift one give the
/// same bytes, so a signature a plugin's unit test checks is the one a receiver gets.
final class HostPluginCryptoTests: XCTestCase {
    func testSwiftCryptoAndTheMockAgreeOnHashesAndMACs() throws {
        let host = HostPluginCrypto()
        let mock = MockCrypto()
        for length in [0, 1, 55, 56, 63, 64, 65, 200, 1000] {
            let data = Data((0..<length).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) })
            XCTAssertEqual(host.sha256(data), mock.sha256(data), "sha256 of \(length) bytes")
            XCTAssertEqual(host.hmacSHA256(key: data, message: Data("1700000000.{}".utf8)),
                           mock.hmacSHA256(key: data, message: Data("1700000000.{}".utf8)), "hmac with a \(length)-byte key")
        }
        XCTAssertEqual(host.hmacSHA256(key: Data("Jefe".utf8), message: Data("what do ya want for nothing?".utf8)).lowercaseHex,
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        XCTAssertEqual(host.randomBytes(24).count, 24)
    }
}
