import Foundation
import PluginAPI
import PluginTesting
import XCTest

/// `PluginHost.crypto` (2.3) in the test kit: the published test vectors, so the mock gives the
/// bytes the server's swift-crypto gives.
final class CryptoServiceTests: XCTestCase {
    let crypto = MockHost().crypto

    func testSHA256MatchesFIPS180Vectors() throws {
        XCTAssertEqual(try crypto.sha256(Data()).lowercaseHex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(try crypto.sha256(Data("abc".utf8)).lowercaseHex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let twoBlocks = Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        XCTAssertEqual(try crypto.sha256(twoBlocks).lowercaseHex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testHMACSHA256MatchesRFC4231Vectors() throws {
        let jefe = try crypto.hmacSHA256(key: Data("Jefe".utf8), message: Data("what do ya want for nothing?".utf8))
        XCTAssertEqual(jefe.lowercaseHex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let longKey = try crypto.hmacSHA256(key: Data(repeating: 0xaa, count: 131),
                                            message: Data("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
        XCTAssertEqual(longKey.lowercaseHex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    func testRandomBytesHaveTheLengthAskedAndDiffer() throws {
        XCTAssertEqual(try crypto.randomBytes(16).count, 16)
        XCTAssertNotEqual(try crypto.randomBytes(16), try crypto.randomBytes(16))
    }

    func testAHostWrittenForAnOlderAPIThrowsUnavailable() {
        struct OldHost: PluginHost {
            func log(_ level: PluginLogLevel, _ message: String, metadata: [String: String]) {}
            func now() -> Date { Date() }
            var storage: any PluginStorage { InMemoryPluginStorage() }
            func publish(_ event: PluginEvent) async {}
        }
        XCTAssertThrowsError(try OldHost().crypto.sha256(Data())) { XCTAssertTrue($0 is PluginCryptoUnavailable) }
    }
}
